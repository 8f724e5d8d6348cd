"""Contract tests pinning the arq behaviours the pipeline relies on (docs/pipeline.md, arq 0.28).

If an arq upgrade changes one of these, a test here fails before the pipeline silently breaks.
"""

from __future__ import annotations

import asyncio
import inspect
import signal
import time
from typing import Any

import arq
import pytest
from arq import constants
from arq.connections import ArqRedis
from arq.jobs import deserialize_job_raw
from arq.worker import Retry, Worker, func
from redis.asyncio import Redis

from shared.pipeline import Keys, Pipeline
from shared.pipeline import keys as pkeys
from shared.settings import Settings
from tests.pipeline.ledger import make_update
from tests.pipeline.support import wait_until
from workers.pipeline.queue import WakeWorker, job_deserializer, job_serializer

GATE: dict[str, asyncio.Event] = {}
SEEN: list[tuple[str, int]] = []


async def blocker(ctx: dict[str, Any], name: str) -> str:
    SEEN.append((name, ctx["job_try"]))
    await GATE.setdefault(name, asyncio.Event()).wait()
    return name


async def quick(ctx: dict[str, Any], name: str) -> str:
    SEEN.append((name, ctx["job_try"]))
    return name


async def retrier(ctx: dict[str, Any], name: str, defer: float) -> None:
    SEEN.append((name, ctx["job_try"]))
    if ctx["job_try"] == 1:
        raise Retry(defer=defer)


def _id(pool: ArqRedis, name: str) -> str:
    """Job ids carry the test's prefix (arq's own key prefixes are global)."""
    return f"{pool.default_queue_name}:{name}"


def _bid(pool: ArqRedis, name: str) -> bytes:
    return _id(pool, name).encode()


def _worker(pool: ArqRedis, **kwargs: Any) -> Worker:
    defaults: dict[str, Any] = {
        "functions": [
            func(blocker, timeout=7),
            func(quick, timeout=3),
            func(retrier, timeout=3),
        ],
        "redis_pool": pool,
        "queue_name": pool.default_queue_name,
        "burst": True,
        "poll_delay": 0.01,
        "handle_signals": False,
        "keep_result": 0,
        "job_serializer": job_serializer,
        "job_deserializer": job_deserializer,
    }
    defaults.update(kwargs)
    return Worker(**defaults)


@pytest.fixture(autouse=True)
def _reset() -> None:
    GATE.clear()
    SEEN.clear()


def test_version_and_fixed_key_prefixes() -> None:
    assert arq.VERSION.startswith("0.28.")
    assert constants.job_key_prefix == pkeys.ARQ_JOB_PREFIX
    assert constants.in_progress_key_prefix == pkeys.ARQ_IN_PROGRESS_PREFIX
    assert constants.retry_key_prefix == pkeys.ARQ_RETRY_PREFIX
    assert constants.expires_extra_ms == 86_400_000


async def test_job_written_by_the_ingest_script_is_an_arq_job(
    redis: Redis, settings: Settings, keys: Keys
) -> None:
    await Pipeline(redis, settings).enqueue(make_update(1, 77, 1))
    (job_id,) = await redis.zrange(keys.queue, 0, -1)
    raw = await redis.get(constants.job_key_prefix + job_id.decode())
    function, args, kwargs, job_try, enqueue_ms = deserialize_job_raw(
        raw, deserializer=job_deserializer
    )
    epoch = (await redis.hget(keys.state("c77"), "epoch")).decode()  # type: ignore[misc]
    assert [function, list(args), kwargs, job_try] == ["drain", ["c77", epoch], {}, None]
    assert abs(enqueue_ms - time.time() * 1000) < 60_000
    assert 0 < await redis.pttl(constants.job_key_prefix + job_id.decode()) <= 86_400_000


async def test_id_is_rejected_while_queued_and_accepted_after_finish_with_keep_result_0(
    pool: ArqRedis,
) -> None:
    assert await pool.enqueue_job("quick", "a", _job_id=_id(pool, "J")) is not None
    assert await pool.enqueue_job("quick", "a", _job_id=_id(pool, "J")) is None  # queued
    await _worker(pool).main()
    assert SEEN == [("a", 1)]
    # finished without a kept result: the id is free again
    assert await pool.enqueue_job("quick", "a", _job_id=_id(pool, "J")) is not None


async def test_result_key_blocks_the_id_when_kept(pool: ArqRedis) -> None:
    await pool.enqueue_job("quick", "a", _job_id=_id(pool, "K"))
    await _worker(pool, keep_result=60).main()
    assert await pool.enqueue_job("quick", "a", _job_id=_id(pool, "K")) is None


async def test_worker_level_keep_result_applies_to_early_failures(pool: ArqRedis) -> None:
    """An expired job fails early and stores a result with the WORKER keep_result."""
    await pool.enqueue_job("quick", "a", _job_id=_id(pool, "E"))
    await pool.delete(constants.job_key_prefix + _id(pool, "E"))  # expired before it ran
    await _worker(pool, keep_result=60).main()
    assert await pool.exists(constants.result_key_prefix + _id(pool, "E")) == 1
    assert await pool.enqueue_job("quick", "a", _job_id=_id(pool, "E")) is None
    await pool.enqueue_job("quick", "b", _job_id=_id(pool, "E2"))
    await pool.delete(constants.job_key_prefix + _id(pool, "E2"))
    await _worker(pool, keep_result=0).main()
    assert await pool.exists(constants.result_key_prefix + _id(pool, "E2")) == 0


async def test_id_is_rejected_while_in_progress_and_ttl_is_max_timeout_plus_10(
    pool: ArqRedis,
) -> None:
    await pool.enqueue_job("blocker", "x", _job_id=_id(pool, "P"))
    worker = _worker(pool, burst=False)
    task = asyncio.create_task(worker.main())
    try:
        await wait_until(lambda: SEEN == [("x", 1)])
        assert await pool.enqueue_job("blocker", "x", _job_id=_id(pool, "P")) is None
        ttl = await pool.pttl(constants.in_progress_key_prefix + _id(pool, "P"))
        assert 16_000 < ttl <= 17_000  # max(7, 3, 3) + 10 s, whatever this job's own timeout
    finally:
        GATE["x"].set()
        await wait_until(lambda: not worker.tasks or all(t.done() for t in worker.tasks.values()))
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_retry_with_defer_goes_to_the_tail_and_zero_keeps_the_place(pool: ArqRedis) -> None:
    q = pool.default_queue_name
    await pool.enqueue_job("retrier", "tail", 0.001, _job_id=_id(pool, "R1"))
    await pool.enqueue_job("retrier", "stay", 0, _job_id=_id(pool, "R2"))
    before = dict(await pool.zrange(q, 0, -1, withscores=True))
    await _worker(pool, max_jobs=1, max_burst_jobs=2).main()
    after = dict(await pool.zrange(q, 0, -1, withscores=True))
    assert after[_bid(pool, "R1")] > before[_bid(pool, "R1")] + 0.5  # re-scored to now + 1 ms
    assert after[_bid(pool, "R2")] == before[_bid(pool, "R2")]  # Retry(0) does not move the job


async def test_cancellation_requeues_at_the_original_score_and_counts_a_try(
    pool: ArqRedis,
) -> None:
    """What SIGTERM without job_completion_wait does; and max_tries drops the job after."""
    q = pool.default_queue_name
    await pool.enqueue_job("blocker", "c", _job_id=_id(pool, "C"))
    score = await pool.zscore(q, _id(pool, "C"))
    worker = _worker(pool, burst=False, max_tries=1)
    task = asyncio.create_task(worker.async_run())
    await wait_until(lambda: SEEN == [("c", 1)])
    worker.handle_sig(signal.SIGINT)
    await asyncio.gather(task, *worker.tasks.values(), return_exceptions=True)
    assert await pool.zscore(q, _id(pool, "C")) == score
    assert await pool.exists(constants.in_progress_key_prefix + _id(pool, "C")) == 0
    assert await pool.get(constants.retry_key_prefix + _id(pool, "C")) == b"1"
    # the next start is try 2 > max_tries=1: "max retries exceeded" drops the job entirely
    GATE["c"].set()
    await _worker(pool, max_tries=1).main()
    assert SEEN == [("c", 1)]
    assert await pool.zscore(q, _id(pool, "C")) is None
    assert await pool.exists(constants.job_key_prefix + _id(pool, "C")) == 0


def test_worker_internals_the_wake_worker_builds_on() -> None:
    """WakeWorker replaces main/_poll_iteration and relies on these names and signatures."""
    params = list(inspect.signature(Worker.run_job).parameters)
    assert params == ["self", "job_id", "score"]
    for name in (
        "_release_sem_dec_counter_on_complete",
        "heart_beat",
        "handle_sig_wait_for_completion",
        "finish_job",
        "async_run",
        "close",
        "record_health",
        "handle_sig",
    ):
        assert callable(getattr(Worker, name)), name
    w = Worker(functions=[func(quick)], queue_name="x", handle_signals=False, poll_delay=0.2)
    for attr in (
        "sem",
        "job_counter",
        "tasks",
        "in_progress_timeout_s",
        "queue_read_limit",
        "allow_pick_jobs",
        "poll_delay_s",
        "after_job_end",
        "redis_settings",
        "expires_extra_ms",
        "_last_health_check",
        "health_check_interval",
        "health_check_key",
        "_handle_signals",
        "_pool",
        "ctx",
        "loop",
    ):
        assert hasattr(w, attr), attr
    assert issubclass(WakeWorker, Worker)
