"""CPU of one service call: ``users.get_by_telegram`` as the worker makes it.

    python -m bench.service_call [--calls 3000] [--rounds 5] [--concurrency 1,20]

The client is built as the worker builds it: :meth:`ServiceClients.create` on the worker's Redis
client (``connect_redis(..., socket_timeout=None, autopipeline=True)``), so every call goes
through the shared circuit breaker (Redis at ``REDIS_URL``, default ``127.0.0.1:6379``, under a
unique ``bgwbench…`` key prefix that is deleted afterwards), on uvloop, with logging configured
as the worker configures it and a request id bound as for an update.

The fake user service (:mod:`devkit.fakes.user`, approved residents as in ``bench.worker``) runs
in a child process, so the figure is the caller's CPU only: ``time.process_time`` of this
process over ``--calls`` calls, divided by the calls. ``--concurrency`` runs that many calls in
flight at once (the worker handles many updates at a time). Each concurrency level reports the
median of ``--rounds`` rounds after a warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import subprocess
import sys
import time

from bench.ingest import _free_port, _wait_port
from bench.worker.target import TOKEN

API_KEY = "bench-service-key-5c1e"
FIRST_TELEGRAM_ID = 3_000_000
USERS = 5_000


async def _serve(port: int) -> None:
    from bench.worker.environment import register_residents
    from devkit.fakes import user as fake_user
    from devkit.fakes.serve import serve
    from devkit.fakes.state import FakeWorld

    world = FakeWorld()
    register_residents(world, (FIRST_TELEGRAM_ID,), USERS)
    app = fake_user.create_app(world)
    app.api_key = API_KEY
    async with serve(app, port=port):
        await asyncio.Event().wait()


async def _measure(calls: int, rounds: int, levels: list[int], url: str) -> dict[int, float]:
    from bench.worker.environment import delete_keys
    from shared.cli import setup_logging
    from shared.clients import ServiceClients, request_id_var
    from shared.connections import connect_redis
    from shared.settings import load_settings

    prefix = f"bgwbench{secrets.token_hex(4)}"
    os.environ.update(
        {
            "USER_SERVICE_URL": url,
            "SERVICE_API_KEY": API_KEY,
            "REDIS_KEY_PREFIX": prefix,
        }
    )
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ.setdefault("TELEGRAM_BOT_TOKEN", TOKEN)
    settings = load_settings()
    setup_logging(settings)
    redis = connect_redis(settings.redis, socket_timeout=None, autopipeline=True)
    clients = ServiceClients.create(settings, redis)
    users = clients.users
    request_id_var.set("upd-1")
    counter = 0

    async def run(n: int) -> None:
        nonlocal counter
        for _ in range(n):
            user = await users.get_by_telegram(FIRST_TELEGRAM_ID + counter % USERS)
            counter += 1
            assert user.status == "approved"

    async def batch(n: int, level: int) -> float:
        per_task = max(1, n // level)
        started = time.process_time()
        await asyncio.gather(*(run(per_task) for _ in range(level)))
        return (time.process_time() - started) / (per_task * level) * 1e6

    results: dict[int, float] = {}
    try:
        for level in levels:
            await batch(max(500, calls // 4), level)  # warm-up: connections, caches
            figures = [await batch(calls, level) for _ in range(rounds)]
            results[level] = statistics.median(figures)
            spread = ", ".join(f"{f:.1f}" for f in figures)
            print(f"concurrency {level:>3}: {results[level]:7.1f} µs CPU/call  ({spread})")
    finally:
        await clients.aclose()
        await redis.aclose()
        await delete_keys(settings.redis.url, prefix)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", default="1,20")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    import uvloop

    if args.serve:
        uvloop.run(_serve(args.serve))
        return
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "bench.service_call", "--serve", str(port)])
    try:
        _wait_port(port, server)
        levels = [int(x) for x in args.concurrency.split(",")]
        uvloop.run(_measure(args.calls, args.rounds, levels, f"http://127.0.0.1:{port}"))
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
