"""WakeWorker's lean run_job for activation jobs: arq's steps, outcomes and keys, fewer calls."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from arq import constants
from arq.connections import ArqRedis
from arq.worker import Retry, Worker, func
from redis.asyncio import Redis

from shared.pipeline import Keys, Pipeline
from shared.settings import Settings
from tests.pipeline.ledger import make_update
from tests.pipeline.support import Recorder, running_worker, wait_until
from workers.pipeline import queue
from workers.pipeline.queue import (
    DRAIN_REDIS_CTX,
    WakeWorker,
    job_deserializer,
    job_serializer,
)

SEEN: list[tuple[str, int]] = []
ARQ_KEYS = (constants.job_key_prefix, constants.in_progress_key_prefix, constants.retry_key_prefix)


@pytest.fixture(autouse=True)
def _reset() -> None:
    SEEN.clear()


async def hangs(ctx: dict[str, Any], name: str) -> None:
    SEEN.append((name, ctx["job_try"]))
    await asyncio.sleep(60)


async def once_more(ctx: dict[str, Any], name: str) -> None:
    SEEN.append((name, ctx["job_try"]))
    if ctx["job_try"] == 1:
        raise Retry(defer=0.01)


def _worker(pool: ArqRedis, prefix: str, *, with_drain_client: bool = True) -> WakeWorker:
    w = WakeWorker(
        functions=[func(hangs, timeout=0.2), func(once_more, timeout=3)],
        wake_key=f"{prefix}:wake",
        workers_key=f"{prefix}:workers",
        drain_job_prefix=f"{prefix}:d:",
        redis_pool=pool,
        queue_name=pool.default_queue_name,
        burst=True,
        poll_delay=0.01,
        handle_signals=False,
        keep_result=0,
        max_tries=5,
        job_serializer=job_serializer,
        job_deserializer=job_deserializer,
    )
    if with_drain_client:
        w.ctx[DRAIN_REDIS_CTX] = pool
    return w


async def _gone(pool: ArqRedis, job_id: str) -> None:
    assert await pool.zscore(pool.default_queue_name, job_id) is None
    for p in ARQ_KEYS:
        assert await pool.exists(p + job_id) == 0, p
    assert await pool.exists(constants.result_key_prefix + job_id) == 0


async def test_activation_jobs_start_and_finish_with_arq_s_keys(
    redis: Redis, settings: Settings, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started by the pick-up script, ended by the step that released the chat: the worker
    sends neither start nor finish of its own."""

    async def no_call(*args: Any) -> None:
        raise AssertionError("the job was started or finished by a call of its own")

    monkeypatch.setattr(queue, "_START_JOB", no_call)
    monkeypatch.setattr(queue, "_FINISH_JOB", no_call)
    rec = Recorder()
    await Pipeline(redis, settings).enqueue_many([make_update(i, 7, i) for i in (1, 2, 3)])
    (job_id,) = [j.decode() for j in await redis.zrange(keys.queue, 0, -1)]
    async with running_worker(settings, rec) as worker:
        await wait_until(lambda: len(rec.ok()) == 3, within=10)

        async def finished() -> bool:
            return await redis.zscore(keys.queue, job_id) is None

        await wait_until(finished, within=5)
        assert (worker.jobs_failed, worker.jobs_retried) == (0, 0)
    assert rec.order("c7") == [1, 2, 3]
    for p in ARQ_KEYS:
        assert await redis.exists(p + job_id) == 0, p


async def test_retry_counts_a_try_and_reschedules(
    pool: ArqRedis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def not_arq_s(*args: Any) -> None:
        raise AssertionError("an activation job went through arq's run_job")

    monkeypatch.setattr(Worker, "run_job", not_arq_s)
    job_id = f"{prefix}:d:again"
    await pool.enqueue_job("once_more", "r", _job_id=job_id)
    worker = _worker(pool, prefix)
    await worker.main()
    assert SEEN == [("r", 1), ("r", 2)]
    assert (worker.jobs_complete, worker.jobs_retried, worker.jobs_failed) == (1, 1, 0)
    await _gone(pool, job_id)


async def test_the_job_timeout_fails_the_job_like_arq(
    pool: ArqRedis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    job_id = f"{prefix}:d:slow"
    await pool.enqueue_job("hangs", "t", _job_id=job_id)
    worker = _worker(pool, prefix)
    with caplog.at_level(logging.WARNING, logger="arq.worker"):
        await asyncio.wait_for(worker.main(), 5)
    assert SEEN == [("t", 1)]
    assert (worker.jobs_complete, worker.jobs_failed) == (0, 1)
    assert any("failed, TimeoutError" in r.getMessage() for r in caplog.records)
    await _gone(pool, job_id)


async def test_an_expired_job_is_dropped_like_arq(
    pool: ArqRedis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    job_id = f"{prefix}:d:expired"
    await pool.enqueue_job("once_more", "e", _job_id=job_id)
    await pool.delete(constants.job_key_prefix + job_id)
    worker = _worker(pool, prefix)
    with caplog.at_level(logging.WARNING, logger="arq.worker"):
        await worker.main()
    assert SEEN == []
    assert worker.jobs_failed == 1
    assert any(r.getMessage() == f"job {job_id} expired" for r in caplog.records)
    await _gone(pool, job_id)


async def test_max_tries_drops_the_job_like_arq(pool: ArqRedis, prefix: str) -> None:
    job_id = f"{prefix}:d:worn"
    await pool.enqueue_job("once_more", "m", _job_id=job_id)
    await pool.set(constants.retry_key_prefix + job_id, 5)  # the next start is try 6 > 5
    worker = _worker(pool, prefix)
    await worker.main()
    assert SEEN == []
    assert worker.jobs_failed == 1
    await _gone(pool, job_id)


async def test_arq_s_log_lines_only_when_its_logger_emits(
    pool: ArqRedis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    await pool.enqueue_job("once_more", "quiet", _job_id=f"{prefix}:d:quiet")
    with caplog.at_level(logging.WARNING, logger="arq.worker"):
        await _worker(pool, prefix).main()
    assert not [r for r in caplog.records if r.name == "arq.worker" and "quiet" in r.getMessage()]
    caplog.clear()
    await pool.enqueue_job("once_more", "loud", _job_id=f"{prefix}:d:loud")
    with caplog.at_level(logging.INFO, logger="arq.worker"):
        await _worker(pool, prefix).main()
    lines = [r.getMessage() for r in caplog.records if r.name == "arq.worker"]
    assert any("→" in x and "once_more('loud')" in x for x in lines)
    assert any("↻" in x and "retrying job in" in x for x in lines)
    assert any("try=2" in x for x in lines)
    assert any("←" in x and ":once_more ●" in x for x in lines)


async def test_other_jobs_run_through_arq_s_own_run_job(pool: ArqRedis, prefix: str) -> None:
    job_id = f"{prefix}:other"
    await pool.enqueue_job("once_more", "o", _job_id=job_id)
    worker = _worker(pool, prefix, with_drain_client=False)
    await worker.main()
    assert SEEN == [("o", 1), ("o", 2)]
    await _gone(pool, job_id)


async def test_run_job_starts_an_activation_job_not_started_by_the_pick_up(
    pool: ArqRedis, prefix: str
) -> None:
    job_id = f"{prefix}:d:direct"
    await pool.enqueue_job("once_more", "d", _job_id=job_id)
    await pool.set(constants.retry_key_prefix + job_id, 1)
    worker = _worker(pool, prefix)
    worker._pool = pool
    await worker.run_job(job_id, 0)
    assert SEEN == [("d", 2)]
    assert worker.jobs_complete == 1
    await _gone(pool, job_id)
