"""Fixtures of the receiver tests: per-test settings, a served receiver, subprocess receivers."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from devkit.fakes.serve import free_port, serve
from ingest.app import IngestApp
from shared.pipeline import Keys, parse_envelope
from shared.settings import Settings, load_settings

SECRET = "hook-secret_0123456789"
ROOT = Path(__file__).resolve().parents[2]


def update(update_id: int, chat_id: int = 1001, text: str = "salom") -> bytes:
    """A private-chat text message as Telegram sends it."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Aziz", "language_code": "uz"}
    body = {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": user,
            "chat": {"id": chat_id, "first_name": "Aziz", "type": "private"},
            "date": 1717000000,
            "text": text,
        },
    }
    return json.dumps(body, ensure_ascii=False).encode()


async def delete_prefix(redis: Redis, prefix: str) -> None:
    keys = [k async for k in redis.scan_iter(match=f"*{prefix}*", count=1000)]
    for i in range(0, len(keys), 500):
        await redis.unlink(*keys[i : i + 500])


async def stored_payload(redis: Redis, settings: Settings, raw: bytes) -> bytes | None:
    """The bytes the pipeline holds for this update (None if it is not in its chat's inbox)."""
    env = parse_envelope(raw)
    keys = Keys(settings.redis.key_prefix, settings.telegram.bot_id)
    _, payloads, _, _ = keys.chat(env.ordering_key)
    value: bytes | None = await redis.hget(payloads, str(env.update_id))  # type: ignore[misc]
    return value


async def inbox_size(redis: Redis, settings: Settings, raw: bytes) -> int:
    keys = Keys(settings.redis.key_prefix, settings.telegram.bot_id)
    size: int = await redis.zcard(keys.inbox(parse_envelope(raw).ordering_key))
    return size


def metric(text: str, name: str, **labels: str) -> float:
    """One sample's value from Prometheus text (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        key, value = line.rsplit(" ", 1)
        sample, _, rest = key.partition("{")
        got = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if sample == name and got == wanted:
            return float(value)
    return 0.0


@pytest.fixture
async def prefix(key_prefix: str, redis: Redis) -> AsyncIterator[str]:
    """This test's own key prefix (settings do not allow ':'), deleted afterwards."""
    value = key_prefix.replace(":", ".")
    yield value
    await delete_prefix(redis, value)


@pytest.fixture
def settings(prefix: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("REDIS_KEY_PREFIX", prefix)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("TELEGRAM_USE_WEBHOOK", "true")
    return load_settings()


@dataclass
class Receiver:
    url: str
    app: IngestApp
    client: httpx.AsyncClient

    async def post(
        self, body: bytes, secret: str | None = SECRET, **headers: str
    ) -> httpx.Response:
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return await self.client.post(f"{self.url}/webhook", content=body, headers=headers)

    async def metrics(self) -> str:
        # The internal listener serves these; the public port does not.
        return self.app.metrics.render()[0].decode()


@pytest.fixture
async def receiver(settings: Settings) -> AsyncIterator[Receiver]:
    """The receiver app on a loopback port (uvicorn in this process), with its own Redis pool."""
    async with running_receiver(settings) as served:
        yield served


class running_receiver:
    """``async with running_receiver(settings) as receiver:`` — served until the block exits."""

    def __init__(self, settings: Settings, **kwargs: Any) -> None:
        self.app = IngestApp(settings, **kwargs)
        self._serve = serve(self.app)
        self._client = httpx.AsyncClient(timeout=10)

    async def __aenter__(self) -> Receiver:
        await self.app.startup()
        url = await self._serve.__aenter__()
        return Receiver(url, self.app, self._client)

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self._serve.__aexit__(None, None, None)
        finally:
            await self._client.aclose()
            await self.app.shutdown()


async def eventually(check: Callable[[], Any], within: float = 10.0, what: str = "") -> Any:
    """Poll ``check`` (sync or async) until it returns a truthy value or the deadline passes."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.02)


# -- subprocess receivers -----------------------------------------------------------------


@dataclass
class IngestProcess:
    """``bot-gateway ingest`` in a process of its own; stderr collected in ``log_path``."""

    port: int
    env: dict[str, str]
    log_path: Path
    args: list[str] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> IngestProcess:
        cmd = [sys.executable, "-m", "shared.cli", "ingest", "--port", str(self.port), *self.args]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                cmd, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    async def wait_healthy(self, within: float = 20.0) -> dict[str, Any]:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if not self.alive():
                    raise AssertionError(f"ingest exited early:\n{self.log()}")
                try:
                    response = await client.get(f"{self.url}/health")
                    if response.status_code == 200:
                        body: dict[str, Any] = response.json()
                        return body
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"ingest did not become healthy:\n{self.log()}")

    async def wait_exit(self, within: float = 20.0) -> int:
        assert self.proc is not None
        deadline = time.monotonic() + within
        while self.proc.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError("ingest did not exit")
            await asyncio.sleep(0.05)
        return self.proc.returncode

    def kill(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@pytest.fixture
def ingest_process(tmp_path: Path, prefix: str) -> Iterator[Any]:
    """Factory of subprocess receivers (all stopped at the end); env overrides per call."""
    started: list[IngestProcess] = []

    def make(args: list[str] | None = None, port: int | None = None, **env: str) -> IngestProcess:
        full = dict(os.environ)
        full.update(
            {
                "REDIS_KEY_PREFIX": prefix,
                "TELEGRAM_WEBHOOK_SECRET": SECRET,
                "LOG_FORMAT": "json",
                "LOG_LEVEL": "INFO",
            }
        )
        full.update(env)
        process = IngestProcess(
            port or free_port(), full, tmp_path / f"ingest-{len(started)}.log", args or []
        )
        started.append(process)
        return process.start()

    yield make
    for process in started:
        process.stop()
