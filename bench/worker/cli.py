"""``python -m bench.worker``: arguments, and the order of the runs."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bench.worker as package
from bench.worker.environment import delete_keys, private_redis, temporary_database
from bench.worker.inprocess import run_baseline, serve_worker
from bench.worker.measure import report, run_parent


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.worker", description=package.__doc__)
    sub = parser.add_subparsers(dest="cmd")
    base = sub.add_parser("baseline")
    base.add_argument("api_url")
    base.add_argument("--redis-url", required=True)
    base.add_argument("--prefix", required=True)
    base.add_argument("--out", required=True)
    for p in (parser, base):
        p.add_argument("--updates", type=int, default=20_000)
        p.add_argument("--chats", type=int, default=2_000)
        p.add_argument("--concurrency", type=int, default=40)
        p.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    base.add_argument("--warmup", type=int, default=400)
    base.add_argument("--mode", choices=("aiogram", "runtime"), default="aiogram")
    serve = sub.add_parser("serve-worker")
    serve.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    parser.add_argument("--targets", default="aiogram,runtime,worker")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="open-loop rate (0: 40%% of the burst)"
    )
    parser.add_argument("--steady-seconds", type=float, default=10.0)
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating aiogram/worker rounds (median ratio)"
    )
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--redis-url", help="use this Redis instead of a private valkey")
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--client-cpu", type=int, default=1)
    args = parser.parse_args(argv)

    if args.cmd == "serve-worker":
        serve_worker(args.loop)
        return
    if args.cmd == "baseline":
        runner: Callable[..., Any] = asyncio.run
        if args.loop == "uvloop":
            import uvloop

            runner = uvloop.run
        Path(args.out).write_text(json.dumps(runner(run_baseline(args))))
        return

    from devkit.servers import resolve_servers

    os.sched_setaffinity(0, {args.client_cpu})
    stop_redis: Callable[[], None] = lambda: None  # noqa: E731
    if not args.redis_url:
        args.redis_url, stop_redis = private_redis(args.client_cpu)
    args.prefix = f"bgwbench{secrets.token_hex(4)}"
    servers = resolve_servers(args.redis_url, os.environ.get("DATABASE_URL"))
    print(
        f"{args.updates} updates over {args.chats} chats; target on CPU {args.server_cpu}, "
        f"load + fakes + redis on CPU {args.client_cpu}; loop {args.loop}; "
        f"postgres: {servers.postgres_source}"
    )
    try:
        with temporary_database(servers.postgres_url) as database_url:
            runner2: Callable[..., Any] = asyncio.run
            if args.loop == "uvloop":
                import uvloop

                runner2 = uvloop.run
            results = runner2(run_parent(args, database_url))
    finally:
        asyncio.run(delete_keys(args.redis_url, args.prefix))
        stop_redis()
        servers.stop()
    report(results, args)
