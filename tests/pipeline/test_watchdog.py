"""The loop watchdog in-process: a blocked loop hands its chats over; a stuck one exits."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from shared.connections import create_redis
from shared.pipeline.keys import Keys
from shared.pipeline.scripts import PipelineScripts
from workers.pipeline.watchdog import EXIT_CODE, Activity, LoopWatchdog


async def _spin(cpu_seconds: float) -> None:
    # CPU time, not wall time: the watchdog counts the loop thread's CPU (a busy host slows this).
    until = time.thread_time() + cpu_seconds
    while time.thread_time() < until:  # never yields: the loop is blocked
        pass


async def test_a_stopped_or_starved_loop_is_not_blocked(
    scripts: PipelineScripts, redis_url: str
) -> None:
    exits: list[int] = []
    watchdog = LoopWatchdog(
        lambda: create_redis(redis_url),
        scripts,
        Activity(),
        limit=0.2,
        exit_after=0.3,
        exit=exits.append,
    )
    watchdog.start()
    try:
        # The point of the test, not a synchronisation: the loop is held up without using CPU,
        # as when the process is SIGSTOPped or starved by a busy host.
        time.sleep(0.8)  # noqa: ASYNC251
    finally:
        watchdog.stop()
    assert watchdog.blocks == 0 and exits == []


async def test_a_blocked_loop_hands_its_chats_over_and_poisons_the_running_update(
    redis: Redis, scripts: PipelineScripts, keys: Keys, redis_url: str
) -> None:
    epochs = {}
    for ck, uid in (("c1", 11), ("c2", 21)):
        _, epochs[ck], _ = await scripts.ingest(redis, ck, uid, b"{}")
        step = await scripts.claim(redis, ck, epochs[ck], f"tok-{ck}")
        assert step.kind == "ITEM"
    activity = Activity()
    for ck in epochs:
        activity.hold(ck, epochs[ck], f"tok-{ck}")
    exits: list[int] = []
    watchdog = LoopWatchdog(
        lambda: create_redis(redis_url), scripts, activity, limit=0.2, exit=exits.append
    )
    watchdog.start()
    try:
        await asyncio.sleep(0.3)
        assert watchdog.blocks == 0  # an idle loop is not blocked
        task = asyncio.create_task(_spin(1.0))
        activity.running[task] = ("c1", 11)
        await task
    finally:
        watchdog.stop()
    assert watchdog.blocks == 1 and exits == []
    for ck in epochs:
        state = await redis.hgetall(keys.state(ck))  # type: ignore[misc]
        assert state[b"epoch"].decode() != epochs[ck] and b"owner" not in state
    c1 = await redis.hgetall(keys.state("c1"))  # type: ignore[misc]
    c2 = await redis.hgetall(keys.state("c2"))  # type: ignore[misc]
    assert c1[b"att"] == str(scripts.config.max_attempts).encode()
    assert b"watchdog" in c1[b"last_err"]
    assert b"last_err" not in c2  # not the blocking one: it runs again


async def test_a_loop_blocked_past_the_exit_bound_ends_the_process(
    scripts: PipelineScripts, redis_url: str
) -> None:
    exits: list[int] = []
    watchdog = LoopWatchdog(
        lambda: create_redis(redis_url),
        scripts,
        Activity(),
        limit=0.2,
        exit_after=0.6,
        exit=exits.append,
    )
    watchdog.start()
    try:
        await _spin(1.2)
    finally:
        watchdog.stop()
    assert exits == [EXIT_CODE]
