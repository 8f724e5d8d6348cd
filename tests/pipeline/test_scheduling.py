"""Scheduling of activation jobs: by the Redis clock whatever the worker's says, and a read limit
that keeps finding new jobs however many replicas run.

The skewed worker is a real ``bot-gateway worker`` subprocess with its wall clock shifted
(``tests/pipeline/skewed.py``); Redis keeps the right time.  Before re-scheduling moved into a
script, a worker ahead parked every rotated chat for the skew, and one behind saw a held
chat's job due at once and claimed it over and over (WAIT) until the hold ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import sys
import time
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from shared.pipeline import Keys, Pipeline
from shared.settings import Settings
from tests.devtools.support import ROOT
from tests.pipeline.ledger import LEDGER_ENV, make_update

SKEW = 60.0


async def _events(redis: Redis, ledger: str, event: str) -> list[dict[bytes, bytes]]:
    return [f for _, f in await redis.xrange(ledger) if f[b"ev"] == event.encode()]


async def _until_up(redis: Redis, keys: Keys, proc: asyncio.subprocess.Process) -> None:
    """The worker wrote its health entry (start-up takes tens of seconds on a loaded host)."""
    deadline = time.monotonic() + 180
    while not await redis.zcard(keys.workers):
        assert proc.returncode is None, "the worker exited"
        assert time.monotonic() < deadline, "the worker did not start"
        await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def _skewed_worker(
    skew: float, env: dict[str, str]
) -> AsyncIterator[asyncio.subprocess.Process]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.pipeline.skewed",
        "worker",
        "--handler",
        "tests.pipeline.ledger:factory",
        cwd=ROOT,
        env={**os.environ, **env, "CLOCK_SKEW_SECONDS": str(skew)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


async def test_a_worker_clock_ahead_does_not_slow_rotations(
    redis: Redis, settings: Settings, keys: Keys
) -> None:
    ledger = f"{settings.redis.key_prefix}:ledger"
    # One update per activation: every update is a rotation, re-scored by the worker.
    # The loop watchdog off: on a starved host it would hand the chat around and blur the check.
    env = {"PIPELINE_BATCH_SIZE": "1", LEDGER_ENV: ledger, "WORKER_BLOCK_LIMIT": "0"}
    async with _skewed_worker(SKEW, env) as proc:
        await _until_up(redis, keys, proc)
        await Pipeline(redis, settings).enqueue_many([make_update(i, 7, i) for i in range(1, 11)])
        deadline = time.monotonic() + 300  # a loaded host is slow; the gaps below are the check
        while len(await _events(redis, ledger, "end")) < 10:
            assert proc.returncode is None, "the worker exited"
            assert time.monotonic() < deadline, await _events(redis, ledger, "end")
            await asyncio.sleep(0.05)
    ends = await _events(redis, ledger, "end")
    # One rotation re-scored by the worker's clock would leave a gap of a whole skew.
    at = [float(f[b"t"]) for f in ends]
    assert max(b - a for a, b in itertools.pairwise(at)) < SKEW / 2
    seqs = [int(f[b"seq"]) for f in await _events(redis, ledger, "end")]
    assert seqs == list(range(1, 11))


async def test_a_worker_clock_behind_does_not_spin_on_a_held_chat(
    redis: Redis, settings: Settings, keys: Keys
) -> None:
    ledger = f"{settings.redis.key_prefix}:ledger"
    env = {LEDGER_ENV: ledger, "WORKER_BLOCK_LIMIT": "0"}
    raw = make_update(1, 8, 1, mode="hold", hold_ms=2000)
    runs: list[int] = []
    async with _skewed_worker(-SKEW, env) as proc:
        await _until_up(redis, keys, proc)
        await Pipeline(redis, settings).enqueue(raw)
        deadline = time.monotonic() + 60
        while not await _events(redis, ledger, "end"):
            assert proc.returncode is None, "the worker exited"
            assert time.monotonic() < deadline, "the held update never ran again"
            # arq counts every run of a job (its try counter) until the job finishes.
            epoch = (await redis.hget(keys.state("c8"), "epoch")) or b""  # type: ignore[misc]
            tries = await redis.get(f"arq:retry:{keys.job_id('c8', epoch.decode())}")
            if tries is not None:
                runs.append(int(tries))
            await asyncio.sleep(0.05)
    assert len(await _events(redis, ledger, "hold")) == 1
    # The hold is 2 s: the job runs to hold, is due again when it ends (and maybe a rotation),
    # not hundreds of WAIT claims in between.
    assert runs and max(runs) <= 4, max(runs)


async def test_the_read_limit_finds_new_jobs_behind_a_hundred_busy_replicas(
    redis: Redis, keys: Keys
) -> None:
    """100 replicas x 100 jobs in progress, then a new job: one more replica, with the default
    read limit (20 x its 100 slots), must start it (arq's in-place scores hid it)."""
    from workers.pipeline.queue import _CLAIM_JOBS

    base = (await redis.time())[0] * 1000 - 60_000
    busy = {f"{keys.job_id_base}busy{i}:1": base + i for i in range(10_000)}
    for i in range(0, len(busy), 2000):
        await redis.zadd(keys.queue, dict(list(busy.items())[i : i + 2000]))
    for _ in range(100):  # every replica fills its 100 slots
        claimed = await _CLAIM_JOBS(redis, [keys.queue], ["", 2000, 100, 60_000])
        assert len(claimed) == 400  # id, score, body, try: not started (no prefix given)
    new = f"{keys.job_id_base}new:1"
    await redis.zadd(keys.queue, {new: base + 20_000})
    claimed = await _CLAIM_JOBS(redis, [keys.queue], ["", 2000, 100, 60_000])
    assert [c.decode() for c in claimed[::4]] == [new]
    await redis.delete(*[f"arq:in-progress:{j}" for j in [*busy, new]])
