"""Schema-driven fuzz: random updates of every type through the real receiver and real workers.

Updates come from :class:`devkit.tools.schema_updates.UpdateGenerator` — aiogram's own models of
the Bot API, every update type, optional fields at random — seeded. Each is made known to the
fake Bot API first (its chat, message, callback query: what Telegram would know), then POSTed to
the receiver (in this process) and handled by ``bot-gateway worker`` processes running the real
bot against the fake Bot API and the fake services. Checked: every POST is 200, the queue drains,
the dead-letter queue stays empty, no worker dies, and the fake Bot API (which refuses what
Telegram refuses: unknown chats, old queries, bad markup, …) refused no call.

``FUZZ_UPDATES`` / ``FUZZ_SEED`` size and seed the run (``make fuzz`` runs a bigger one).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
from redis.asyncio import Redis

from devkit.fakes.telegram import FakeTelegramServer
from devkit.tools.priming import prime_update
from devkit.tools.schema_updates import UpdateGenerator
from shared.pipeline import Keys
from shared.settings import load_settings
from tests.ingest.conftest import SECRET, running_receiver
from tests.runtime.conftest import Services

ROOT = Path(__file__).resolve().parents[2]
UPDATES = int(os.environ.get("FUZZ_UPDATES", "250"))
SEED = int(os.environ.get("FUZZ_SEED", "1014"))
WORKERS = 2


async def _drained(redis: Redis, keys: Keys) -> bool:
    if await redis.zcard(keys.active):
        return False
    jobs = await redis.zrange(keys.queue, 0, -1)
    return not any(j.decode().startswith(keys.job_id_base) for j in jobs)


def _start_workers(logdir: Path) -> list[subprocess.Popen[bytes]]:
    exe = Path(sys.executable).with_name("bot-gateway")
    workers = []
    for n in range(WORKERS):
        with (logdir / f"worker-{n}.log").open("wb") as log:
            cmd = [str(exe), "worker"]
            workers.append(
                subprocess.Popen(cmd, cwd=ROOT, env={**os.environ}, stdout=log, stderr=log)
            )
    return workers


@pytest.mark.timeout(300 + UPDATES // 5)
async def test_schema_generated_updates_of_every_type_are_served_without_a_refusal(
    monkeypatch: pytest.MonkeyPatch,
    prefix: str,
    gateway_db: str,
    tg: FakeTelegramServer,
    services: Services,
    redis: Redis,
) -> None:
    env = {
        "REDIS_KEY_PREFIX": prefix,
        "DATABASE_URL": gateway_db,
        "TELEGRAM_API_URL": tg.base_url,
        "AUTH_SERVICE_URL": services.auth_url,
        "USER_SERVICE_URL": services.user_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_USE_WEBHOOK": "true",
        "TELEGRAM_PACE_PRIVATE": "off",
        "TELEGRAM_PACE_GROUP": "off",
        "TELEGRAM_PACE_GLOBAL": "off",
        "WORKER_METRICS_PORT": "0",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    keys = Keys(settings.redis.key_prefix, settings.telegram.bot_id)
    logdir = Path(tempfile.mkdtemp(prefix="bgw-fuzz-"))
    workers = _start_workers(logdir)
    generator = UpdateGenerator(SEED, max_depth=5)
    types: Counter[str] = Counter()
    try:
        async with running_receiver(settings) as receiver:
            statuses: Counter[int] = Counter()
            for document in generator.updates(UPDATES, first_id=1):
                types[next(k for k in document if k != "update_id")] += 1
                prime_update(tg.state, document)
                response = await receiver.post(json.dumps(document).encode())
                statuses[response.status_code] += 1
            assert statuses == {200: UPDATES}, statuses
        deadline = time.monotonic() + 60 + UPDATES / 10
        while not await _drained(redis, keys):
            dead = [w.pid for w in workers if w.poll() is not None]
            assert not dead, f"worker(s) {dead} died; logs in {logdir}"
            assert time.monotonic() < deadline, f"the queue did not drain; logs in {logdir}"
            await asyncio.sleep(0.2)
        assert all(w.poll() is None for w in workers), f"a worker died; logs in {logdir}"
        assert await redis.xlen(keys.dlq) == 0, await redis.xrange(keys.dlq, count=3)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    assert len(types) >= min(20, UPDATES // 10), types  # the run covered the update types
    refused = [(c.method, c.status, c.description, c.params) for c in tg.state.calls_to(ok=False)]
    assert refused == [], refused[:5]
    assert tg.state.calls_to(ok=True), "the bot answered nothing"
