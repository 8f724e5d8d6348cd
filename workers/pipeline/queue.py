"""arq wiring of the drain workers: the one module that imports arq.

arq is used as a dumb dispatcher of activation jobs (one per busy chat, written by the ingest
script); ordering, fencing and retries live in the per-chat Lua state machine.  What is set here,
and why (details in docs/pipeline.md):

* JSON job serialization (never pickle: whoever can write Redis could run code), the exact shape
  ``shared/pipeline/lua/_common.lua`` writes; ``keep_result=0`` everywhere, so a finished job id
  never blocks anything; ``max_tries`` effectively unlimited for ``drain`` (rotations are tries).
* ``job_timeout`` = batch seconds + handler timeout + 5 s; the reaper cron uses the same timeout, so
  arq's in-progress TTL (max timeout + 10 s) stays as short as the drain job needs.
* :class:`WakeWorker` replaces arq's poll loop: it blocks on the wake list the ingest script
  pushes to (BLPOP, ``WORKER_POLL_DELAY`` as the fallback timeout), is kicked locally when a slot
  frees or a rotated job becomes due, and picks jobs up with one Lua call (``claim_jobs.lua``: arq's
  ``start_jobs`` semantics and keys, one round trip instead of ~4 per queue entry). A claimed job
  is re-scored behind the due ones, so the read limit never fills with jobs in progress (arq's
  default starved new jobs above ~20 equal replicas).
* Activation jobs run through :meth:`WakeWorker.run_job`'s lean path: started by the pick-up
  script itself (arq's GET job + INCR try counter), finished by the script step that releases
  the chat (else in one script call on the drain steps' auto-pipelined client), arq's log lines
  built only when emitted, the job timeout without a second task. Every other job runs through
  arq's own ``run_job``.
* A job that runs again (``Retry``, or cancelled) is re-scored by the Redis clock inside a script
  (``reschedule.lua``), never by the worker's own: the scripts and the pick-up compare with Redis
  time, and a worker clock seconds off made rotations wait that long or WAIT claims spin.
* ``job_completion_wait`` = ``WORKER_SHUTDOWN_WAIT``: on SIGTERM the worker stops picking, each
  activation ends its batch after the current update and gives its lease back at once.
* A per-replica health-check key, refreshed every ``WORKER_HEALTH_CHECK_INTERVAL`` seconds.
* Redis retry-on-error settings on the connection, and a poll loop that survives Redis outages.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import signal
import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

from arq.connections import ArqRedis, RedisSettings
from arq.constants import (
    abort_jobs_ss,
    in_progress_key_prefix,
    job_key_prefix,
    keep_cronjob_progress,
    retry_key_prefix,
)
from arq.cron import cron
from arq.jobs import SerializationError, deserialize_job_raw, serialize_result
from arq.utils import args_to_string, ms_to_datetime, timestamp_ms, truncate
from arq.worker import JobExecutionFailed, Retry, RetryJob, Worker, func
from redis.asyncio import Redis
from redis.asyncio.retry import Retry as RedisRetry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.backoff import Backoff
from shared.connections import connect_redis, normalize_redis_url, pack_with_hiredis
from shared.gc_tuning import tune_after_startup
from shared.logs import get_logger
from shared.pipeline.keys import ARQ_IN_PROGRESS_PREFIX, DRAIN_FUNCTION, Keys
from shared.pipeline.scripts import ALLOW_OOM, LuaScript, PipelineScripts, ScriptConfig
from shared.settings import RedisSection, Settings
from workers.pipeline.drain import JOB_FINISHED, DrainConfig, Drainer, HandlerFactory
from workers.pipeline.reaper import Reaper
from workers.pipeline.watchdog import CALL_TIMEOUT, Activity, LoopWatchdog

if TYPE_CHECKING:
    from arq.typing import WorkerCoroutine

__all__ = [
    "HandlerJobs",
    "WakeWorker",
    "build_worker",
    "job_deserializer",
    "job_serializer",
    "job_timeout",
    "new_worker_id",
]

log = get_logger(__name__)

DRAIN_MAX_TRIES = 1_000_000_000


def job_serializer(obj: dict[str, Any]) -> bytes:
    # default=repr: an exception stored as a (discarded) result must not break serialization.
    return json.dumps(obj, default=repr, separators=(",", ":")).encode()


def job_deserializer(data: bytes) -> dict[str, Any]:
    value = json.loads(data)
    if not isinstance(value, dict):
        raise ValueError("job is not a JSON object")
    return value


def job_timeout(settings: Settings) -> float:
    p = settings.pipeline
    return p.batch_seconds + p.handler_timeout + 5.0


def new_worker_id() -> str:
    host = socket.gethostname().split(".")[0][:32] or "host"
    return f"{host}-{os.getpid()}-{secrets.token_hex(2)}"


def redis_settings(section: RedisSection | str) -> RedisSettings:
    """arq's connection settings for ``REDIS_URL``, or for the Sentinel primary when
    ``REDIS_SENTINELS`` is set (the URL then gives database and password)."""
    url = section if isinstance(section, str) else section.url
    rs = RedisSettings.from_dsn(normalize_redis_url(url))
    rs.conn_retries = 10
    rs.retry = RedisRetry(ExponentialBackoff(cap=1.0, base=0.05), 5)
    rs.retry_on_error = [RedisConnectionError, RedisTimeoutError]
    if not isinstance(section, str) and section.sentinel_addresses:
        rs.host = list(section.sentinel_addresses)
        rs.sentinel = True
        rs.sentinel_master = section.sentinel_master
    return rs


def create_sentinel_pool(section: RedisSection) -> ArqRedis:
    """The worker's arq pool through Sentinel, made by :func:`shared.connections.connect_redis`:
    arq's own Sentinel path passes neither the retry policy nor socket timeouts, so a
    failover would surface as errors in every job instead of one reconnect."""
    pool = connect_redis(section, socket_timeout=None, retries=5, redis_class=ArqRedis)
    assert isinstance(pool, ArqRedis)
    return pool


# Both run at Redis maxmemory too: picking up and re-scheduling the jobs that drain is how
# memory is freed.
_CLAIM_JOBS = LuaScript("claim_jobs", prelude=False, shebang=ALLOW_OOM)
_RESCHEDULE = LuaScript("reschedule", prelude=False, shebang=ALLOW_OOM)
# An activation job's start and end bookkeeping, one script call each (see WakeWorker.run_job).
_START_JOB = LuaScript("start_job", prelude=False, shebang=ALLOW_OOM)
_FINISH_JOB = LuaScript("finish_job", prelude=False, shebang=ALLOW_OOM)
# arq's lifetime of a job's try counter (Worker.run_job), in seconds.
RETRY_KEY_TTL_S = 88_400
# ctx key of the auto-pipelined client of the drain steps (set by build_worker's startup).
DRAIN_REDIS_CTX = "drain_redis"
_arq_log = logging.getLogger("arq.worker")
_no_result = object()
# ctx key of the worker's {job id: delay ms} of jobs that asked to run again (see drain()).
DEFERS_CTX = "_pipeline_defers"
# ctx key of the worker's set of job ids whose arq job the releasing script step ended already.
FINISHED_CTX = "_pipeline_finished"


class WakeWorker(Worker):
    """arq Worker woken by the ingest script instead of sleeping ``poll_delay`` between polls."""

    def __init__(
        self,
        *args: Any,
        wake_key: str,
        workers_key: str,
        redis_section: RedisSection | None = None,
        drain_job_prefix: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.redis_section = redis_section or RedisSection()
        self.wake_key = wake_key
        self.workers_key = workers_key
        # Ids of the activation jobs (written by the ingest script only): run by run_job's
        # lean path. None: every job runs through arq's own run_job.
        self.drain_job_prefix = drain_job_prefix
        self._kick = asyncio.Event()
        self._blpop: asyncio.Task[Any] | None = None
        self.defers: dict[str, int] = {}
        self.ctx[DEFERS_CTX] = self.defers
        self.finished: set[str] = set()
        self.ctx[FINISHED_CTX] = self.finished
        self._user_after_job_end = self.after_job_end
        self.after_job_end = self._after_job_end

    # -- wake-ups -------------------------------------------------------------------------------
    def kick(self) -> None:
        self._kick.set()

    async def _after_job_end(self, ctx: dict[str, Any]) -> None:
        defer = ctx.get("_retry_defer")
        if defer is not None:
            # The job was re-scored to now + defer: look again when it is due.
            self.loop.call_later(float(defer) + 0.002, self._kick.set)
        if self._user_after_job_end is not None:
            await self._user_after_job_end(ctx)

    def _release_sem_dec_counter_on_complete(self) -> None:
        was_full = self.job_counter >= self.max_jobs
        super()._release_sem_dec_counter_on_complete()
        if was_full:
            self._kick.set()

    async def _block_on_wake(self) -> Any:
        # BLPOP takes a fractional timeout since Redis 6; redis-py annotates it as int.
        timeout: Any = self.poll_delay_s
        return await self.pool.blpop([self.wake_key], timeout=timeout)  # type: ignore[misc]

    async def _wait_for_work(self) -> None:
        kick = asyncio.ensure_future(self._kick.wait())
        waiters: set[asyncio.Future[Any]] = {kick}
        if self.allow_pick_jobs and self.job_counter < self.max_jobs:
            if self._blpop is None or self._blpop.done():
                self._blpop = asyncio.ensure_future(self._block_on_wake())
            waiters.add(self._blpop)
        try:
            await asyncio.wait(
                waiters, timeout=self.poll_delay_s + 1.0, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            kick.cancel()
            self._kick.clear()
        if self._blpop is not None and self._blpop.done() and not self._blpop.cancelled():
            exc = self._blpop.exception()
            self._blpop = None
            if exc is not None:
                raise exc

    # -- running activation jobs -------------------------------------------------------------------
    def _job_client(self, job_id: str) -> Redis:
        """The client of a job's start and end bookkeeping: for an activation job the
        auto-pipelined one of its drain steps (its commands travel with the other chats'),
        else arq's pool."""
        prefix = self.drain_job_prefix
        if prefix is not None and job_id.startswith(prefix):
            client = self.ctx.get(DRAIN_REDIS_CTX)
            if client is not None:
                return cast("Redis", client)
        return self.pool

    def _lean(self, job_id: str) -> bool:
        prefix = self.drain_job_prefix
        return prefix is not None and not self.allow_abort_jobs and job_id.startswith(prefix)

    async def run_job(self, job_id: str, score: int) -> None:
        """arq's ``Worker.run_job``; an activation job is started in one script call
        (``start_job.lua``, when ``claim_jobs.lua`` did not start it already) and run by
        :meth:`_run_started`."""
        if not self._lean(job_id):
            await super().run_job(job_id, score)
            return
        v, job_try = await _START_JOB(
            self._job_client(job_id),
            [job_key_prefix + job_id, retry_key_prefix + job_id],
            [RETRY_KEY_TTL_S],
        )
        await self._run_started(job_id, score, v, int(job_try))

    async def _run_started(  # noqa: C901 - arq's steps, in order
        self, job_id: str, score: int, v: bytes | None, job_try: int
    ) -> None:
        """arq's ``Worker.run_job`` for an activation job already started (``v``: its body,
        None when expired; ``job_try``: its try counter after the increment), with arq's steps,
        outcomes, counters and log lines, at a fraction of the CPU:

        * start: GET job, INCR + EXPIRE the try counter in the pick-up script
          (``claim_jobs.lua``) or one script call on the auto-pipelined drain client, not a
          MULTI/EXEC on arq's pool;
        * the log lines' arguments (job arguments as a string, timings) are built only when
          arq's logger would emit them (arq builds them for every job);
        * the job timeout is an ``asyncio.timeout`` around the job's coroutine in this task,
          not a second task under ``asyncio.wait_for``: the same TimeoutError when it expires,
          and a cancellation of this task (shutdown) reaches the coroutine as before;
        * no abort check: the pipeline's worker runs with ``allow_abort_jobs=False`` (with
          abort enabled every job runs through arq's own run_job).
        """
        client = self._job_client(job_id)
        start_ms = timestamp_ms()
        function_name, enqueue_time_ms = "<unknown>", 0
        args: tuple[Any, ...] = ()
        kwargs: dict[Any, Any] = {}
        if not v:
            _arq_log.warning("job %s expired", job_id)
            exc: BaseException = JobExecutionFailed("job expired")
            await self._failed_early(job_id, "<unknown>", args, kwargs, job_try, 0, start_ms, exc)
            return
        try:
            function_name, args, kwargs, enqueue_job_try, enqueue_time_ms = deserialize_job_raw(
                v, deserializer=self.job_deserializer
            )
        except SerializationError as e:
            _arq_log.exception("deserializing job %s failed", job_id)
            await self._failed_early(job_id, function_name, args, kwargs, job_try, 0, start_ms, e)
            return
        function = self.functions.get(function_name)
        if function is None:
            _arq_log.warning("job %s, function %r not found", job_id, function_name)
            exc = JobExecutionFailed(f"function {function_name!r} not found")
            await self._failed_early(
                job_id, function_name, args, kwargs, job_try, enqueue_time_ms, start_ms, exc
            )
            return
        if hasattr(function, "next_run"):  # a cron job
            ref = function_name
            keep_in_progress: float | None = keep_cronjob_progress
        else:
            ref = f"{job_id}:{function_name}"
            keep_in_progress = None
        if enqueue_job_try and enqueue_job_try > job_try:
            job_try = enqueue_job_try
            await client.setex(retry_key_prefix + job_id, RETRY_KEY_TTL_S, str(job_try))
        max_tries = self.max_tries if function.max_tries is None else function.max_tries
        if job_try > max_tries:
            t = (timestamp_ms() - enqueue_time_ms) / 1000
            _arq_log.warning("%6.2fs ! %s max retries %d exceeded", t, ref, max_tries)
            exc = JobExecutionFailed(f"max {max_tries} retries exceeded")
            await self._failed_early(
                job_id, function_name, args, kwargs, job_try, enqueue_time_ms, start_ms, exc, ref
            )
            return

        result: Any = _no_result
        finish = False
        timeout_s = self.job_timeout_s if function.timeout_s is None else function.timeout_s
        incr_score: int | None = None
        ctx = dict(self.ctx)
        ctx["job_id"] = job_id
        ctx["job_try"] = job_try
        ctx["enqueue_time"] = ms_to_datetime(enqueue_time_ms)
        ctx["score"] = score
        if self.on_job_start:
            await self.on_job_start(ctx)
        start_ms = timestamp_ms()
        success = False
        info = _arq_log.isEnabledFor(logging.INFO)
        try:
            if info:
                extra = f" try={job_try}" if job_try > 1 else ""
                if (start_ms - score) > 1200:
                    extra += f" delayed={(start_ms - score) / 1000:0.2f}s"
                t = (start_ms - enqueue_time_ms) / 1000
                _arq_log.info("%6.2fs → %s(%s)%s", t, ref, args_to_string(args, kwargs), extra)
            async with asyncio.timeout(timeout_s):
                result = await function.coroutine(ctx, *args, **kwargs)
        except (Exception, asyncio.CancelledError) as e:
            finished_ms = timestamp_ms()
            t = (finished_ms - start_ms) / 1000
            if self.retry_jobs and isinstance(e, Retry):
                incr_score = e.defer_score
                if info:
                    delay = (e.defer_score or 0) / 1000
                    _arq_log.info("%6.2fs ↻ %s retrying job in %0.2fs", t, ref, delay)
                if e.defer_score:
                    incr_score = e.defer_score + (timestamp_ms() - score)
                self.jobs_retried += 1
            elif self.retry_jobs and isinstance(e, asyncio.CancelledError | RetryJob):
                if info:
                    _arq_log.info("%6.2fs ↻ %s cancelled, will be run again", t, ref)
                self.jobs_retried += 1
            else:
                exc_extra = getattr(e, "extra", None)
                if callable(exc_extra):
                    exc_extra = exc_extra()
                _arq_log.exception(
                    "%6.2fs ! %s failed, %s: %s",
                    t,
                    ref,
                    e.__class__.__name__,
                    e,
                    extra={"extra": exc_extra},
                )
                result = e
                finish = True
                self.jobs_failed += 1
        else:
            success = True
            finished_ms = timestamp_ms()
            if info:
                shown = "" if result is None or not self.log_results else truncate(repr(result))
                _arq_log.info("%6.2fs ← %s ● %s", (finished_ms - start_ms) / 1000, ref, shown)
            finish = True
            self.jobs_complete += 1

        keep_forever = (
            self.keep_result_forever
            if function.keep_result_forever is None
            else function.keep_result_forever
        )
        result_timeout_s = (
            self.keep_result_s if function.keep_result_s is None else function.keep_result_s
        )
        result_data = None
        if result is not _no_result and (keep_forever or result_timeout_s > 0):
            result_data = serialize_result(
                function_name,
                args,
                kwargs,
                job_try,
                enqueue_time_ms,
                success,
                result,
                start_ms,
                finished_ms,
                ref,
                self.queue_name,
                job_id=job_id,
                serializer=self.job_serializer,
            )
        if self.on_job_end:
            await self.on_job_end(ctx)
        await asyncio.shield(
            self.finish_job(
                job_id,
                finish,
                result_data,
                result_timeout_s,
                keep_forever,
                incr_score,
                keep_in_progress,
            )
        )
        if self.after_job_end:
            await self.after_job_end(ctx)

    async def _failed_early(
        self,
        job_id: str,
        function_name: str,
        args: tuple[Any, ...],
        kwargs: dict[Any, Any],
        job_try: int,
        enqueue_time_ms: int,
        start_ms: int,
        exc: BaseException,
        ref: str | None = None,
    ) -> None:
        """arq's end of a job that could not start (expired, unreadable, unknown function, out
        of tries): counted failed, its keys and queue entry gone (arq's finish_failed_job)."""
        self.jobs_failed += 1
        result_data = serialize_result(
            function=function_name,
            args=args,
            kwargs=kwargs,
            job_try=job_try,
            enqueue_time_ms=enqueue_time_ms,
            success=False,
            result=exc,
            start_ms=start_ms,
            finished_ms=timestamp_ms(),
            ref=ref or f"{job_id}:{function_name}",
            serializer=self.job_serializer,
            queue_name=self.queue_name,
            job_id=job_id,
        )
        await asyncio.shield(self.finish_failed_job(job_id, result_data))

    # -- re-scheduling by the Redis clock ----------------------------------------------------------
    async def finish_job(
        self,
        job_id: str,
        finish: bool,
        result_data: bytes | None,
        result_timeout_s: float | None,
        keep_result_forever: bool,
        incr_score: int | None,
        keep_in_progress: float | None,
    ) -> None:
        delay_ms = self.defers.pop(job_id, None)
        ended = job_id in self.finished
        self.finished.discard(job_id)
        keep = "" if keep_in_progress is None else int(keep_in_progress * 1000)
        if finish and ended and not result_data and keep_in_progress is None:
            return  # the step that released the chat ended the job (finish_job.lua's work)
        if finish:
            if result_data:
                # A result to keep: arq's own MULTI/EXEC.
                await super().finish_job(
                    job_id,
                    finish,
                    result_data,
                    result_timeout_s,
                    keep_result_forever,
                    incr_score,
                    keep_in_progress,
                )
                return
            # arq's finish_job without a result, in one script call.
            keys = [
                self.queue_name,
                in_progress_key_prefix + job_id,
                retry_key_prefix + job_id,
                job_key_prefix + job_id,
                abort_jobs_ss,
            ]
            await _FINISH_JOB(self._job_client(job_id), keys, [job_id, keep])
            return
        # Retry(defer) of ours (delay recorded by the job), or a cancelled / RetryJob run, which
        # arq leaves at its score: CLAIM_JOBS moved that behind the due jobs, so it is due now.
        keys = [self.queue_name, ARQ_IN_PROGRESS_PREFIX + job_id]
        await _RESCHEDULE(self._job_client(job_id), keys, [job_id, delay_ms or 0, keep])

    # -- health: arq's per-replica key, plus an index so stats never SCAN ------------------------
    async def record_health(self) -> None:
        before = self._last_health_check
        await super().record_health()
        if self._last_health_check != before:
            now_ms = int(self._last_health_check * 1000)
            expiry = now_ms + int((self.health_check_interval + 1) * 1000)
            async with self.pool.pipeline(transaction=False) as pipe:
                pipe.zadd(self.workers_key, {self.health_check_key: expiry})
                pipe.zremrangebyscore(self.workers_key, "-inf", now_ms)
                await pipe.execute()

    async def close(self) -> None:
        if not self._handle_signals:
            self.handle_sig(signal.SIGUSR1)
        # A job cancelled at shutdown ends "cancelled" (arq re-queues it): that must not make
        # close() raise before the pool is closed, as arq's own gather would.
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        self.tasks.clear()
        if self._pool is not None:
            with contextlib.suppress(RedisError, OSError):  # best effort: it expires anyway
                await self.pool.zrem(self.workers_key, self.health_check_key)
        await super().close()

    # -- the loop ---------------------------------------------------------------------------------
    async def main(self) -> None:
        from arq.connections import create_pool, log_redis_info

        if self._pool is None and self.redis_settings is not None and self.redis_settings.sentinel:
            pool = create_sentinel_pool(self.redis_section)
            pool.job_serializer = self.job_serializer
            pool.job_deserializer = self.job_deserializer
            pool.default_queue_name = self.queue_name
            pool.expires_extra_ms = self.expires_extra_ms
            self._pool = pool
        if self._pool is None:
            self._pool = await create_pool(
                self.redis_settings,
                job_deserializer=self.job_deserializer,
                job_serializer=self.job_serializer,
                default_queue_name=self.queue_name,
                expires_extra_ms=self.expires_extra_ms,
            )
            await pack_with_hiredis(self._pool)
        logging.getLogger("arq.worker").info("starting %s", self.queue_name)
        await log_redis_info(self.pool, logging.getLogger("arq.worker").debug)
        self.ctx["redis"] = self.pool
        if self.on_startup:
            await self.on_startup(self.ctx)
        # Between failed polls during a Redis outage: 0.1 s doubling to 5 s, jittered so that the
        # replicas do not all come back at the same instant.
        backoff = Backoff(base=0.1, cap=5.0)
        try:
            while True:
                try:
                    await self._poll_iteration()
                    if self.burst and await self.pool.zcard(self.queue_name) == 0:
                        await asyncio.gather(*self.tasks.values())
                        return
                    await self._wait_for_work()
                    backoff.reset()
                except (RedisError, OSError) as exc:
                    # Keep the worker (and its running activations) alive through a Redis outage.
                    log.warning("worker_poll_failed", error=f"{type(exc).__name__}: {exc}")
                    await asyncio.sleep(backoff.next_delay())
        finally:
            if self._blpop is not None:
                self._blpop.cancel()

    async def _poll_iteration(self) -> None:
        free = self.max_jobs - self.job_counter
        if self.allow_pick_jobs and free > 0:
            ttl_ms = int(self.in_progress_timeout_s * 1000)
            # Activation jobs are started by the pick-up script too (not with abort enabled:
            # those run through arq's run_job, which starts them itself).
            prefix = "" if self.allow_abort_jobs else (self.drain_job_prefix or "")
            args = ["", self.queue_read_limit, free, ttl_ms, prefix, RETRY_KEY_TTL_S]
            claimed = await _CLAIM_JOBS(self.pool, [self.queue_name], args)
            for i in range(0, len(claimed), 4):
                job_id = claimed[i].decode()
                score = int(float(claimed[i + 1]))
                job_try = int(claimed[i + 3])
                await self.sem.acquire()
                self.job_counter += 1
                if job_try:
                    run = self._run_started(job_id, score, claimed[i + 2], job_try)
                else:
                    run = self.run_job(job_id, score)
                task = self.loop.create_task(run)
                task.add_done_callback(lambda _: self._release_sem_dec_counter_on_complete())
                self.tasks[job_id] = task
        for job_id, task in list(self.tasks.items()):
            if task.done():
                del self.tasks[job_id]
                task.result()
        await self.heart_beat()


# -- job functions ------------------------------------------------------------------------------


async def drain(ctx: dict[str, Any], ck: str, epoch: str) -> None:
    """The activation job of chat ``ck``, epoch ``epoch`` (see workers.pipeline.drain)."""
    drainer: Drainer = ctx["drainer"]
    enqueued: datetime | None = ctx.get("enqueue_time")
    enqueue_ms = int(enqueued.timestamp() * 1000) if enqueued else None
    # Under WakeWorker the step that releases the chat also ends this job (arq's finish_job for
    # it, in the same script call): WakeWorker.finish_job then sends nothing.
    finished: set[str] | None = ctx.get(FINISHED_CTX)
    defer = await drainer.run(
        ck,
        str(epoch),
        job_try=int(ctx["job_try"]),
        enqueue_ms=enqueue_ms,
        finish_job=finished is not None,
    )
    if defer is JOB_FINISHED:
        assert finished is not None
        finished.add(ctx["job_id"])
        return
    if defer is not None:
        defer = max(defer, 0.001)
        ctx["_retry_defer"] = defer
        # WakeWorker.finish_job re-scores by the Redis clock with this delay, not arq's local one.
        ctx[DEFERS_CTX][ctx["job_id"]] = max(1, round(defer * 1000))
        raise Retry(defer=defer)


Job = Callable[..., Awaitable[Any]]


class HandlerJobs(Protocol):
    """The jobs the handler's side runs next to ``drain`` (the bot's: ``workers.bot.jobs``),
    handed over by ``workers.cli`` so that this side never imports the bot. Each coroutine is
    given arq's ``ctx`` first; ``ctx["keys"]``, ``ctx["stopping"]`` and ``ctx["job_timeout"]``
    are set before the handler factory runs."""

    @property
    def hourly(self) -> Sequence[tuple[str, Job, int]]:
        """``(name, coroutine, minute)``: once an hour at that minute, by one worker."""
        ...

    @property
    def every_second(self) -> Sequence[tuple[str, Job]]:
        """``(name, coroutine)``: every second (and at start-up), by one worker at a time."""
        ...

    @property
    def functions(self) -> Sequence[tuple[str, Job, int]]:
        """``(name, coroutine, max_tries)``: jobs the handler's side enqueues by name."""
        ...

    async def close(self, ctx: dict[str, Any]) -> None:
        """At shutdown, before the handler's own shutdown."""
        ...


def _coroutine(job: Job) -> WorkerCoroutine:
    # arq's protocol also names ``__qualname__`` and extra arguments; a plain coroutine has both.
    return cast("WorkerCoroutine", job)


async def reap(ctx: dict[str, Any]) -> None:
    reaper: Reaper = ctx["reaper"]
    await reaper.run_once()


def build_worker(
    settings: Settings,
    handler_factory: HandlerFactory,
    *,
    jobs: HandlerJobs | None = None,
    burst: bool = False,
    worker_id: str | None = None,
    handle_signals: bool = True,
) -> WakeWorker:
    """A configured worker; ``worker.run()`` blocks until SIGTERM/SIGINT (or, in burst mode,
    until the queue is empty). ``jobs``: the handler side's own jobs (scheduled ones only when
    not in burst mode)."""
    keys = Keys(settings.redis.key_prefix, settings.telegram.bot_id)
    scripts = PipelineScripts(keys, ScriptConfig.from_settings(settings))
    wid = worker_id or new_worker_id()
    w = settings.worker
    timeout = job_timeout(settings)
    interval = settings.pipeline.reaper_interval
    holder: dict[str, WakeWorker] = {}

    async def startup(ctx: dict[str, Any]) -> None:
        handler, shutdown_handler = await handler_factory(ctx)
        ctx["handler_shutdown"] = shutdown_handler
        ctx["worker_id"] = wid
        ctx["keys"] = keys
        ctx["stopping"] = lambda: not holder["worker"].allow_pick_jobs
        ctx["job_timeout"] = timeout
        # The per-update script steps of all running chats travel together (auto-pipelined);
        # like arq's own client, no per-read timeout (the handler and job timeouts bound it).
        ctx[DRAIN_REDIS_CTX] = connect_redis(settings.redis, socket_timeout=None, autopipeline=True)
        activity = Activity()
        ctx["drainer"] = Drainer(
            ctx[DRAIN_REDIS_CTX],
            scripts,
            handler,
            DrainConfig.from_settings(settings),
            wid,
            stopping=lambda: not holder["worker"].allow_pick_jobs,
            activity=activity,
        )
        if w.block_limit > 0:
            watchdog = LoopWatchdog(
                lambda: connect_redis(settings.redis, socket_timeout=CALL_TIMEOUT),
                scripts,
                activity,
                limit=w.block_limit,
                exit_after=w.block_exit,
            )
            watchdog.start()
            ctx["loop_watchdog"] = watchdog
        ctx["reaper"] = Reaper(ctx["redis"], scripts, settings.pipeline.reaper_scan_interval)
        tune_after_startup()
        log.info("worker_started", worker_id=wid, queue=keys.queue, burst=burst)

    async def shutdown(ctx: dict[str, Any]) -> None:
        watchdog = ctx.get("loop_watchdog")
        if watchdog is not None:
            watchdog.stop()
        if jobs is not None:
            await jobs.close(ctx)
        stop = ctx.get("handler_shutdown")
        if stop is not None:
            await stop()
        drain_redis = ctx.get(DRAIN_REDIS_CTX)
        if drain_redis is not None:
            await drain_redis.aclose()
        log.info("worker_stopped", worker_id=wid)

    cron_jobs = []
    if not burst:
        cron_jobs.append(
            cron(
                reap,
                name=keys.reaper_name,
                second=set(range(0, 60, interval)),
                run_at_startup=True,
                timeout=timeout,
                keep_result=max(2 * interval, 2),
                max_tries=1,
            )
        )
    if not burst and jobs is not None:
        # The handler side's scheduled jobs: one worker of the bot id runs each slot (arq's cron
        # lock); the drain timeout keeps arq's in-progress TTL short, keep_result stops a rerun.
        cron_jobs.extend(
            cron(
                _coroutine(coroutine),
                name=f"{keys.prefix}:{name}:{keys.bot_id}",
                minute=minute,
                second=0,
                timeout=timeout,
                keep_result=3600,
                max_tries=1,
            )
            for name, coroutine, minute in jobs.hourly
        )
        cron_jobs.extend(
            cron(
                _coroutine(coroutine),
                name=f"{keys.prefix}:{name}:{keys.bot_id}",
                second=set(range(60)),
                run_at_startup=True,
                timeout=timeout,
                keep_result=2,
                max_tries=1,
            )
            for name, coroutine in jobs.every_second
        )
    functions = [
        func(drain, name=DRAIN_FUNCTION, keep_result=0, timeout=timeout, max_tries=DRAIN_MAX_TRIES)
    ]
    if jobs is not None:
        functions.extend(
            func(_coroutine(coroutine), name=name, keep_result=0, timeout=timeout, max_tries=tries)
            for name, coroutine, tries in jobs.functions
        )
    worker = WakeWorker(
        functions=functions,
        wake_key=keys.wake,
        workers_key=keys.workers,
        queue_name=keys.queue,
        cron_jobs=cron_jobs,
        redis_settings=redis_settings(settings.redis),
        redis_section=settings.redis,
        drain_job_prefix=keys.job_id_base,
        burst=burst,
        on_startup=startup,
        on_shutdown=shutdown,
        handle_signals=handle_signals,
        job_completion_wait=int(w.shutdown_wait),
        max_jobs=w.max_jobs,
        job_timeout=timeout,
        keep_result=0,
        poll_delay=w.poll_delay,
        queue_read_limit=w.queue_read_limit or 20 * w.max_jobs,
        max_tries=DRAIN_MAX_TRIES,
        health_check_interval=w.health_check_interval,
        health_check_key=keys.health_prefix + wid,
        retry_jobs=True,
        allow_abort_jobs=False,
        job_serializer=job_serializer,
        job_deserializer=job_deserializer,
        log_results=False,
    )
    holder["worker"] = worker
    return worker
