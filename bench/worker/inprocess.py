"""The processes pinned to the measured CPU: plain aiogram, the runtime alone, and the worker."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Callable
from typing import Any

from bench.worker.target import TOKEN, bench_router, create_bench_handler, make_batch


async def run_baseline(args: argparse.Namespace) -> dict[str, float]:
    """``--mode aiogram``: plain aiogram; ``--mode runtime``: the bot runtime without the queue."""
    import logging

    from aiogram import Bot, Dispatcher
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.fsm.storage.base import DefaultKeyBuilder
    from aiogram.fsm.storage.redis import RedisStorage

    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    if args.mode == "runtime":
        return await run_runtime_in_process(args)
    # What an aiogram user writes: the storage's own client, redis-py's defaults.
    storage = RedisStorage.from_url(
        args.redis_url,
        key_builder=DefaultKeyBuilder(prefix=f"{args.prefix}:fsm", with_bot_id=True),
        state_ttl=3600,
        data_ttl=3600,
    )
    dp = Dispatcher(storage=storage)
    dp.include_router(bench_router())
    session = AiohttpSession(api=TelegramAPIServer.from_base(args.api_url))
    bot = Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))

    async def feed(raw: bytes) -> None:
        await dp.feed_raw_update(bot, json.loads(raw))

    try:
        return await feed_concurrently(feed, args)
    finally:
        await bot.session.close()
        await storage.close()


async def run_runtime_in_process(args: argparse.Namespace) -> dict[str, float]:
    from shared.cli import setup_logging
    from shared.settings import load_settings
    from workers.bot.runtime import UpdateProcessor, build_runtime
    from workers.pipeline.drain import UpdateMeta

    settings = load_settings()
    setup_logging(settings)
    runtime = await build_runtime(settings, routers=[bench_router()], publish_commands=False)
    processor = UpdateProcessor(runtime)

    async def feed(raw: bytes) -> None:
        update_id = json.loads(raw)["update_id"]
        await processor(raw, UpdateMeta(update_id, "bench", 1, 5))

    try:
        return await feed_concurrently(feed, args)
    finally:
        await runtime.close()


async def feed_concurrently(
    feed: Callable[[bytes], Any], args: argparse.Namespace
) -> dict[str, float]:
    async def run(raws: list[bytes]) -> float:
        queue = iter(raws)
        started = time.perf_counter()

        async def task() -> None:
            for raw in queue:
                await feed(raw)

        await asyncio.gather(*(task() for _ in range(args.concurrency)))
        return time.perf_counter() - started

    await run(make_batch(1, args.warmup, 3_000_000, args.warmup))
    cpu = time.process_time()
    seconds = await run(make_batch(args.warmup + 1, args.updates, 4_000_000, args.chats))
    return {"updates": args.updates, "seconds": seconds, "cpu": time.process_time() - cpu}


def serve_worker(loop: str) -> None:
    """What ``bot-gateway worker --handler bench.worker:create_bench_handler`` does (its uvloop
    loop), or the same on asyncio's own loop with ``--loop asyncio``."""
    import logging

    from shared.cli import settings_or_exit, setup_logging
    from workers.cli import assemble_worker, new_event_loop

    settings = settings_or_exit()
    setup_logging(settings)
    logging.getLogger("arq").setLevel(logging.WARNING)
    # arq's Worker takes the current event loop at construction.
    asyncio.set_event_loop(new_event_loop() if loop == "uvloop" else asyncio.new_event_loop())
    worker = assemble_worker(settings, create_bench_handler)
    profile_to = os.environ.get("BENCH_PROFILE")
    if not profile_to:
        worker.run()
        return
    import cProfile

    profiler = cProfile.Profile()
    profiler.enable()
    try:
        worker.run()
    finally:
        profiler.disable()
        profiler.dump_stats(profile_to)
