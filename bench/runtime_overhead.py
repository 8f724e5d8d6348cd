"""CPU per update of the bot runtime around the handler, in this process.

    python -m bench.runtime_overhead [--updates 3000] [--rounds 5] [--aiogram] [--profile out.prof]

Feeds pre-made updates (:func:`bench.worker.target.make_update`, the benchmark's handler: FSM read +
update, one sendMessage) straight into the runtime's per-update callback (``UpdateProcessor``) from
``--concurrency`` tasks on uvloop, and reports the CPU time of this process per update
(``time.process_time``). No queue, no worker: what is measured is the decode/triage, the prefetch,
the dispatcher and its middlewares, logging, metrics, the handler and its Bot API call.

The fake Bot API, auth and user services run in a child process, so their CPU is not counted here;
Redis is 127.0.0.1:6379 (or ``REDIS_URL``) under a fresh ``REDIS_KEY_PREFIX`` whose keys are
deleted at the end, PostgreSQL a temporary database (dropped at the end). ``--aiogram`` measures
plain aiogram on the same handler and fakes in alternating rounds, for the ratio (with the
worker's GC settings, :func:`shared.gc_tuning.tune_after_startup`, which apply to the whole
process: ``python -m bench.worker`` is the reference for that ratio); ``--profile``
writes a cProfile of one extra round of the runtime (``python -m pstats``, snakeviz).

Logging goes to ``/dev/null`` in the production JSON format at ``--log-level`` (INFO: the
per-update line is rendered and written, as in production).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import multiprocessing
import os
import secrets
import statistics
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from typing import Any

from bench.worker.target import CHAT_BASES, TOKEN, bench_router, make_update


def _serve_fakes(conn: Connection) -> None:
    """Child process: the fakes until the parent says stop (or goes away)."""
    from bench.worker.environment import fakes

    async def main() -> None:
        async with fakes() as (_state, api_url, auth_url, user_url):
            conn.send((api_url, auth_url, user_url))
            loop = asyncio.get_running_loop()
            stopped = asyncio.Event()
            loop.add_reader(conn.fileno(), stopped.set)
            await stopped.wait()

    asyncio.run(main())


@contextlib.contextmanager
def _fakes_process() -> Any:
    parent, child = multiprocessing.get_context("spawn").Pipe()
    proc = multiprocessing.get_context("spawn").Process(target=_serve_fakes, args=(child,))
    proc.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the fakes did not start")
        yield parent.recv()
    finally:
        with contextlib.suppress(OSError):
            parent.send("stop")
        proc.join(10)
        if proc.is_alive():
            proc.kill()


def _updates(first_seq: int, count: int, chat_base: int, chats: int) -> list[tuple[int, bytes]]:
    return [
        (first_seq + i, make_update(first_seq + i, chat_base + i % chats)) for i in range(count)
    ]


async def _run(
    feed: Callable[[int, bytes], Awaitable[None]],
    updates: list[tuple[int, bytes]],
    concurrency: int,
) -> float:
    """CPU seconds of this process to feed ``updates`` from ``concurrency`` tasks."""
    queue = iter(updates)

    async def task() -> None:
        for seq, raw in queue:
            await feed(seq, raw)

    gc.collect()
    cpu = time.process_time()
    await asyncio.gather(*(task() for _ in range(concurrency)))
    return time.process_time() - cpu


def _handled() -> float:
    from workers.bot.metrics.prom import UPDATES_PROCESSED

    return float(UPDATES_PROCESSED.labels("message", "handled")._value.get())


async def _runtime_target(args: argparse.Namespace) -> tuple[Any, Any]:
    from shared.settings import load_settings
    from workers.bot.runtime import UpdateProcessor, build_runtime
    from workers.pipeline.drain import UpdateMeta

    runtime = await build_runtime(
        load_settings(), routers=[bench_router()], publish_commands=False, metrics_port=0
    )
    processor = UpdateProcessor(runtime)

    async def feed(seq: int, raw: bytes) -> None:
        await processor(raw, UpdateMeta(seq, "bench", 1, 5))

    return feed, runtime.close


async def _aiogram_target(args: argparse.Namespace) -> tuple[Any, Any]:
    from aiogram import Bot, Dispatcher
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisStorage

    storage = RedisStorage.from_url(
        os.environ["REDIS_URL"],
        key_builder=DefaultKeyBuilder(
            prefix=f"{os.environ['REDIS_KEY_PREFIX']}:aiogram", with_bot_id=True
        ),
        state_ttl=3600,
        data_ttl=3600,
    )
    dp = Dispatcher(storage=storage)
    dp.include_router(bench_router())
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))

    async def feed(seq: int, raw: bytes) -> None:
        await dp.feed_raw_update(bot, json.loads(raw))

    async def close() -> None:
        await bot.session.close()
        await storage.close()

    return feed, close


async def _measure(args: argparse.Namespace) -> dict[str, list[float]]:
    import logging

    from shared.cli import setup_logging
    from shared.gc_tuning import tune_after_startup
    from shared.settings import load_settings

    setup_logging(load_settings())
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    targets: dict[str, tuple[Any, Any]] = {"runtime": await _runtime_target(args)}
    if args.aiogram:
        targets["aiogram"] = await _aiogram_target(args)
    # As the worker does once it has started (the aiogram target, in this process, gets it too).
    tune_after_startup()
    results: dict[str, list[float]] = {name: [] for name in targets}
    # The steady state: the same approved residents (registered with the fake user service) in
    # every round, their sessions and profiles cached by the warm-up; a chat range per target.
    bases = dict(zip(targets, CHAT_BASES, strict=False))
    seq = 1
    try:
        for name, (feed, _) in targets.items():
            warmup = _updates(seq, max(args.warmup, args.chats), bases[name], args.chats)
            await _run(feed, warmup, args.concurrency)
            seq += len(warmup)
        for _ in range(args.rounds):
            for name, (feed, _) in targets.items():
                batch = _updates(seq, args.updates, bases[name], args.chats)
                seq += args.updates
                handled = _handled()
                cpu = await _run(feed, batch, args.concurrency)
                if name == "runtime" and _handled() - handled != args.updates:
                    raise RuntimeError(f"only {_handled() - handled} updates handled")
                results[name].append(1e6 * cpu / args.updates)
        if args.profile:
            import cProfile

            feed = targets["runtime"][0]
            batch = _updates(seq, args.updates, bases["runtime"], args.chats)
            profiler = cProfile.Profile()
            profiler.enable()
            await _run(feed, batch, args.concurrency)
            profiler.disable()
            profiler.dump_stats(args.profile)
    finally:
        for _, close in targets.values():
            await close()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.runtime_overhead", description=__doc__)
    parser.add_argument("--updates", type=int, default=3000, help="updates per round")
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=40)
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--aiogram", action="store_true", help="also plain aiogram, alternating")
    parser.add_argument("--profile", help="write a cProfile of one more runtime round here")
    args = parser.parse_args(argv)

    import uvloop

    from bench.worker.environment import bench_env, delete_keys, temporary_database
    from devkit.servers import resolve_servers

    servers = resolve_servers(os.environ.get("REDIS_URL"), os.environ.get("DATABASE_URL"))
    prefix = f"bgwrtbench{secrets.token_hex(4)}"
    try:
        with temporary_database(servers.postgres_url) as database_url, _fakes_process() as urls:
            api_url, auth_url, user_url = urls
            os.environ.update(
                {
                    **bench_env(
                        api_url, auth_url, user_url, servers.redis_url, database_url, args.log_level
                    ),
                    "REDIS_KEY_PREFIX": prefix,
                    # Checked on every update as usual, never refusing: every round is handled.
                    "RATE_LIMIT_MESSAGES_PER_MINUTE": "1000000",
                    "RATE_LIMIT_MESSAGES_PER_HOUR": "1000000",
                }
            )
            with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
                results = uvloop.run(_measure(args))
    finally:
        asyncio.run(delete_keys(servers.redis_url, prefix))
        servers.stop()
    for name, per_update in results.items():
        each = " ".join(f"{us:.0f}" for us in per_update)
        print(
            f"{name:8s} {statistics.median(per_update):7.1f} us CPU per update "
            f"(median of {len(per_update)} rounds of {args.updates}: {each}; "
            f"min {min(per_update):.1f})"
        )
    if "aiogram" in results:
        ratio = statistics.median(results["aiogram"]) / statistics.median(results["runtime"])
        print(f"aiogram / runtime CPU: {ratio:.2f}x (>1: the runtime is cheaper)")
    if args.profile:
        print(f"profile: {args.profile}")


if __name__ == "__main__":
    main()
