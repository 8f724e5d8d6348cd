"""Real ``bot-gateway worker`` processes with the bot runtime: several on one host."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import time

import httpx
import pytest

from devkit.fakes.telegram import FakeTelegramServer
from shared.connections import create_redis
from shared.pipeline import Pipeline
from shared.settings import load_settings
from tests.devtools.support import ROOT, cli_argv, free_port
from tests.runtime.conftest import Services

HANDLER = "tests.runtime.worker_factory:create_handler"


async def _processed(client: httpx.AsyncClient, port: int) -> float | None:
    """Updates this worker handled, from its own /metrics; None while it does not answer."""
    try:
        body = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    except httpx.HTTPError:
        return None
    found = re.findall(
        r'^bot_gateway_worker_updates_processed_total\{outcome="handled",'
        r'update_type="message"\} (\S+)$',
        body,
        flags=re.MULTILINE,
    )
    return sum(float(x) for x in found)


async def test_two_workers_on_one_host_both_serve_metrics_and_take_work(
    prefix: str,
    gateway_db: str,
    tg: FakeTelegramServer,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    port = free_port()
    env = {
        "REDIS_KEY_PREFIX": prefix,
        "DATABASE_URL": gateway_db,
        "TELEGRAM_API_URL": tg.base_url,
        "AUTH_SERVICE_URL": services.auth_url,
        "USER_SERVICE_URL": services.user_url,
        "WORKER_METRICS_PORT": str(port),
        "WORKER_METRICS_HOST": "127.0.0.1",
        "APP_LOG_FORMAT": "json",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    procs = [
        await asyncio.create_subprocess_exec(
            *cli_argv("worker", "--handler", HANDLER),
            cwd=ROOT,
            env=dict(os.environ),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    settings = load_settings()
    redis = create_redis(settings.redis.url)
    pipeline = Pipeline(redis, settings)
    try:
        async with httpx.AsyncClient(timeout=2.0) as client:
            # Both listen: the configured port and, for the second, a free one after it.
            deadline = time.monotonic() + 180  # start-up takes tens of seconds on a loaded host
            ports: list[int] = []
            while len(ports) < 2:
                assert all(p.returncode is None for p in procs), "a worker exited at start-up"
                assert time.monotonic() < deadline, f"metrics ports up: {ports}"
                ports = [
                    p for p in range(port, port + 5) if await _processed(client, p) is not None
                ]
                await asyncio.sleep(0.1)
            assert ports[0] == port
            # Both take work: updates of many chats until each worker has handled some.
            n = 0
            deadline = time.monotonic() + 180  # both busy workers, same loaded host
            while True:
                counts = [await _processed(client, p) or 0 for p in ports]
                if all(c > 0 for c in counts):
                    break
                assert time.monotonic() < deadline, f"handled per worker: {counts}"
                assert all(p.returncode is None for p in procs), "a worker died"
                for _ in range(10):
                    n += 1
                    update = tg.state.user(500_000 + n, "Aziz").send_command("echo")
                    await pipeline.enqueue(json.dumps(update).encode())
                await asyncio.sleep(0.2)
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        outputs = []
        for proc in procs:
            try:
                out, _ = await asyncio.wait_for(proc.communicate(), 60)
            except TimeoutError:
                proc.kill()
                out, _ = await proc.communicate()
            outputs.append(out.decode())
        await redis.aclose()
    # The second worker said which port it took instead.
    assert any('"metrics_port_in_use"' in out for out in outputs), outputs
