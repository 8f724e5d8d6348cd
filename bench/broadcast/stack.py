"""Real ``bot-gateway worker`` processes running the real bot against the fakes, for the broadcast
bench (``python -m bench.broadcast``) and the multi-process broadcast tests.

The fakes (Bot API with auto-created chats, the five services) run in this process; the workers
are subprocesses on a database and a Redis key prefix of their own, so they can be SIGKILLed and
restarted. Broadcasts are created straight in the store (the flow is tested on its own); the
progress card is a real message in the manager's chat of the fake.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from devkit.tools.fakeset import FakeSet, run_fake_set
from devkit.tools.overrides import load_settings_with
from shared.connections import create_redis
from shared.pipeline import Pipeline
from shared.settings import Settings, load_settings
from workers.bot.core.broadcast.store import BroadcastRow, BroadcastStore

__all__ = ["BOT_ID", "MANAGER_CHAT", "TOKEN", "BroadcastStack", "broadcast_stack"]

TOKEN = "123456789:" + "B" * 35
BOT_ID = 123456789
MANAGER_CHAT = 100002  # the seeded manager
ROOT = Path(__file__).resolve().parents[2]
_READY = "worker_started"


@dataclass
class Worker:
    proc: asyncio.subprocess.Process
    log: Path
    started: float


@dataclass
class BroadcastStack:
    fakes: FakeSet
    settings: Settings
    env: dict[str, str]
    redis: Redis
    engine: AsyncEngine
    store: BroadcastStore
    logs: Path
    workers: list[Worker] = field(default_factory=list)
    kills: list[float] = field(default_factory=list)
    _seen: int = 0
    _copies: dict[str, Counter[int]] = field(default_factory=dict)
    _times: dict[str, list[float]] = field(default_factory=dict)

    @property
    def pipeline(self) -> Pipeline:
        return Pipeline(self.redis, self.settings)

    async def start_worker(self, extra: Mapping[str, str] | None = None) -> Worker:
        n = len(self.workers)
        log = self.logs / f"worker-{n}.log"
        env = {**os.environ, **self.env, **(extra or {})}
        out = log.open("ab")
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "shared.cli",
                "worker",
                env=env,
                stdout=out,
                stderr=out,
                cwd=str(ROOT),
            )
        finally:
            out.close()
        worker = Worker(proc, log, time.monotonic())
        self.workers.append(worker)
        # Generous: on a loaded machine a worker's start-up (imports, migrations check, command
        # menus) has taken over a minute.
        deadline = time.monotonic() + 240
        while _READY not in log.read_text(errors="replace"):
            if proc.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{log.read_text()[-3000:]}")
            await asyncio.sleep(0.05)
        return worker

    def alive(self) -> list[Worker]:
        return [w for w in self.workers if w.proc.returncode is None]

    async def kill(self, worker: Worker) -> None:
        self.kills.append(time.time())
        worker.proc.send_signal(signal.SIGKILL)
        await worker.proc.wait()

    async def stop_workers(self) -> None:
        for worker in self.alive():
            worker.proc.send_signal(signal.SIGTERM)
        for worker in self.workers:
            try:
                await asyncio.wait_for(worker.proc.wait(), 40)
            except TimeoutError:
                worker.proc.kill()
                await worker.proc.wait()

    async def card_message(self) -> int:
        async with httpx.AsyncClient() as client:
            reply = await client.post(
                f"{self.fakes.telegram_url}/bot{TOKEN}/sendMessage",
                json={"chat_id": MANAGER_CHAT, "text": "card"},
            )
        return int(reply.json()["result"]["message_id"])

    async def create(self, recipients: list[int], body: str) -> int:
        """A confirmed broadcast from the seeded manager, progress card up: senders start."""
        number, _ = await self.store.create(
            origin=secrets.token_hex(8),
            user_id=2,
            chat_id=MANAGER_CHAT,
            locale="ru",
            audience={"kind": "all"},
            body=body,
            photo=None,
            recipients=recipients,
        )
        await self.store.set_card(number, await self.card_message())
        return number

    async def finished(self, number: int, timeout: float = 120) -> BroadcastRow:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while True:
            row = await self.store.get(number)
            if row is not None and row.finished_at is not None:
                return row
            if time.monotonic() > deadline:
                raise TimeoutError(f"broadcast {number} not finished after {timeout:g}s")
            await asyncio.sleep(0.1)

    def _scan(self) -> None:
        """Fold the fake's new calls into the per-text counts (incremental: the journal only
        grows, and rescanning it every poll would cost the measuring process its CPU)."""
        calls = self.fakes.telegram.calls
        for c in calls[self._seen :]:
            if c.ok and c.method == "sendMessage":
                body = str(c.params.get("text"))
                self._copies.setdefault(body, Counter())[int(c.params["chat_id"])] += 1
                self._times.setdefault(body, []).append(c.time)
        self._seen = len(calls)

    def copies(self, body: str) -> Counter[int]:
        """Chat id → successful sends of ``body`` the fake Bot API recorded."""
        self._scan()
        return Counter(self._copies.get(body, Counter()))

    def send_times(self, body: str) -> list[float]:
        self._scan()
        return sorted(self._times.get(body, []))

    def sent_count(self, body: str) -> int:
        self._scan()
        return len(self._times.get(body, []))

    async def wait_sent(self, body: str, count: int, timeout: float = 60) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while self.sent_count(body) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{count} copies not sent after {timeout:g}s")
            await asyncio.sleep(0.05)

    def worker_logs(self) -> list[str]:
        return [w.log.read_text(errors="replace") for w in self.workers]


async def _database(server_url: str) -> tuple[str, Any]:
    import asyncpg

    from shared.db.migrate import upgrade

    name = f"bgw_bc_{secrets.token_hex(4)}"
    # CREATE DATABASE from the server's maintenance database.
    admin = server_url.replace("postgresql+asyncpg://", "postgresql://", 1).rsplit("/", 1)[0]
    admin += "/postgres"

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await run(f'CREATE DATABASE "{name}"')
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    await asyncio.to_thread(upgrade, url)

    async def drop() -> None:
        await run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


@contextlib.asynccontextmanager
async def broadcast_stack(
    logs: Path,
    env: Mapping[str, str] | None = None,
    *,
    database_url: str | None = None,
    redis_url: str | None = None,
) -> AsyncIterator[BroadcastStack]:
    """Fakes, a fresh database and key prefix; workers are started by the caller."""
    base = (
        load_settings_with({"TELEGRAM_BOT_TOKEN": TOKEN})
        if "TELEGRAM_BOT_TOKEN" not in (os.environ)
        else load_settings()
    )
    server = database_url or base.database.url
    db_url, drop = await _database(server)
    prefix = f"bcb{secrets.token_hex(4)}"
    async with run_fake_set(bot_id=BOT_ID, api_key="dev-service-key") as fakes:
        values = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_USE_WEBHOOK": "false",
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url or base.redis.url,
            "REDIS_KEY_PREFIX": prefix,
            "SERVICE_API_KEY": "dev-service-key",
            "WORKER_METRICS_PORT": "0",
            "LOG_FORMAT": "json",
            "ENVIRONMENT": "test",
            **fakes.env(),
            **(env or {}),
        }
        settings = load_settings_with(values)
        redis = create_redis(settings.redis.url)
        engine = create_async_engine(db_url)
        stack = BroadcastStack(
            fakes=fakes,
            settings=settings,
            env=values,
            redis=redis,
            engine=engine,
            store=BroadcastStore(engine),
            logs=logs,
        )
        try:
            yield stack
        finally:
            await stack.stop_workers()
            await engine.dispose()
            keys = [k async for k in redis.scan_iter(match=f"*{prefix}*", count=1000)]
            for i in range(0, len(keys), 500):
                await redis.unlink(*keys[i : i + 500])
            await redis.aclose()
            await drop()
