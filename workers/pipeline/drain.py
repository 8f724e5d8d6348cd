"""One activation of one chat: claim the lease, run updates in order, ack / fail / yield.

An activation job (``drain(ck, epoch)`` in ``workers.pipeline.queue``) runs :meth:`Drainer.run`:

* ``CLAIM`` takes the chat's fenced lease and returns the head update (its attempt counted first,
  so a crash mid-handler uses up an attempt too).
* The handler runs under ``PIPELINE_HANDLER_TIMEOUT`` while a heartbeat (one per activation)
  extends the lease when no script step did for ``lease/3``; a heartbeat that finds the lease
  taken over cancels the handler, and so does the local clock when no heartbeat has succeeded
  for most of a lease (self-fencing).
* Side effects are fenced: ``UpdateMeta.fence`` answers whether this worker still holds the
  chat's lease, from the local clock while the last extension is recent (no round trip), else
  by a heartbeat. The Bot API session asks it before every outgoing call and drops the call when
  the answer is no (a worker stalled past its lease and resumed: another one has the update).
* ``NEXT`` settles the head and begins the next one in the same script, up to
  ``PIPELINE_BATCH_SIZE`` updates or ``PIPELINE_BATCH_SECONDS``; then the activation yields and the
  job goes to the back of the arq queue, so a chat with a big backlog takes turns with the others.

Outcomes of the handler:

* returns → ack;
* raises :class:`~shared.errors.RetryAfter` (or anything with a numeric ``retry_after``, such as
  aiogram's ``TelegramRetryAfter``) → the same update again after ``retry_after``; no attempt used;
* raises :class:`~shared.errors.PermanentError` → dead-lettered at once (retrying cannot help);
* raises anything else, or times out → the attempt failed: the same update again after the
  backoff ``PIPELINE_RETRY_BACKOFF[attempt - 1]`` while the chat's later updates wait; the last
  of ``PIPELINE_MAX_ATTEMPTS`` failing dead-letters it at once (no backoff wait: nothing is left
  to wait for) with the error, and the chat continues.

A ``retry_after`` is clamped to ``PIPELINE_MAX_HOLD_SECONDS`` (``inf`` or a huge value from a peer
must neither park a chat for ever nor overflow); ``NaN`` or a negative one is no hold at all.

Nothing here imports arq: :meth:`Drainer.run` returns ``None`` (done), :data:`JOB_FINISHED` (done,
and the step that released the chat also ended the activation's arq job: asked for with
``finish_job=True``) or the seconds after which the same job must run again, and
``workers.pipeline.queue`` turns that into ``arq.Retry``.
"""

from __future__ import annotations

import asyncio
import math
import random
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Any, Final, Literal

from redis.asyncio import Redis

from shared.errors import PermanentError
from shared.labels import HotCounters, hot_histogram
from shared.logs import get_logger, redact
from shared.pipeline import metrics
from shared.pipeline.scripts import PipelineScripts, Settlement, Step, StepKind
from shared.settings import PipelineSettings, Settings, default_of
from workers.pipeline.watchdog import Activity

__all__ = [
    "JOB_FINISHED",
    "DrainConfig",
    "Drainer",
    "Fence",
    "Fenced",
    "HandlerFactory",
    "UpdateHandler",
    "UpdateMeta",
    "error_text",
]

log = get_logger(__name__)
# Updated from the event loop only: lock-free handles (shared.labels).
_activations = HotCounters(metrics.ACTIVATIONS)
_updates = HotCounters(metrics.UPDATES)
_handler_seconds = hot_histogram(metrics.HANDLER_SECONDS)
_queue_wait_seconds = hot_histogram(metrics.QUEUE_WAIT_SECONDS)

# Retry(defer) needs at least 1 ms to re-score the job to the tail (0 keeps its place).
ROTATE_S = 0.001
# An activation job older than this (arq expires job keys 24 h after enqueue) moves to a fresh id.
MAX_JOB_AGE_MS = 12 * 3600 * 1000
MAX_JOB_TRY = 100_000
ERROR_MAX = 500


Fence = Callable[[], Awaitable[bool]]


class _Finished(Enum):
    JOB = "job"


# Drainer.run's "done, and the activation's arq job is ended already" (see finish_job).
JOB_FINISHED: Final = _Finished.JOB


@dataclass(frozen=True, slots=True)
class UpdateMeta:
    update_id: int
    ordering_key: str
    attempt: int
    max_attempts: int
    # True while this worker still holds the chat's lease (None: no fencing, e.g. in tests).
    fence: Fence | None = None
    # This run of the update (worker, activation, attempt): "" when unknown.
    run: str = ""


UpdateHandler = Callable[[bytes, UpdateMeta], Awaitable[None]]
HandlerFactory = Callable[
    [dict[str, Any]], Awaitable[tuple[UpdateHandler, Callable[[], Awaitable[None]]]]
]


@dataclass(frozen=True, slots=True)
class DrainConfig:
    batch_size: int = default_of(PipelineSettings, "batch_size")
    batch_seconds: float = default_of(PipelineSettings, "batch_seconds")
    handler_timeout: float = default_of(PipelineSettings, "handler_timeout")
    lease_ms: int = default_of(PipelineSettings, "lease_ms")
    max_attempts: int = default_of(PipelineSettings, "max_attempts")
    retry_backoff: Sequence[float] = default_of(PipelineSettings, "retry_backoff")
    max_hold_seconds: float = default_of(PipelineSettings, "max_hold_seconds")
    fence_side_effects: bool = default_of(PipelineSettings, "fence_side_effects")

    @classmethod
    def from_settings(cls, settings: Settings) -> DrainConfig:
        p = settings.pipeline
        return cls(
            batch_size=p.batch_size,
            batch_seconds=p.batch_seconds,
            handler_timeout=p.handler_timeout,
            lease_ms=p.lease_ms,
            max_attempts=p.max_attempts,
            retry_backoff=tuple(p.retry_backoff),
            max_hold_seconds=p.max_hold_seconds,
            fence_side_effects=p.fence_side_effects,
        )

    def backoff(self, attempt: int) -> float:
        if not self.retry_backoff:
            return ROTATE_S
        return float(self.retry_backoff[min(attempt, len(self.retry_backoff)) - 1])


def error_text(exc: BaseException) -> str:
    """``Class: message``, secrets scrubbed, bounded: what the DLQ keeps."""
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    cleaned = redact(None, "", {"error": text})["error"]
    return str(cleaned)[:ERROR_MAX]


def _retry_after(exc: BaseException, cap: float) -> float | None:
    """The hold a peer asked for, clamped to ``cap``; None when there is no usable one."""
    value = getattr(exc, "retry_after", None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    # float() of a huge int overflows; anything past the cap is the cap anyway.
    wait = cap if value > cap else float(value)
    if math.isnan(wait) or wait < 0:
        return None
    return wait


class Fenced(StrEnum):
    """The activation lost its lease while the handler ran: ``LOST`` when a heartbeat saw the
    lease taken over, ``UNSURE`` when heartbeats failed for most of a lease (self-fenced)."""

    LOST = "lost"
    UNSURE = "unsure"


@dataclass(slots=True)
class _Settle:
    """How one update ended: settled in the script (:class:`Settlement`), or fenced out."""

    outcome: Settlement | Fenced
    error: str = ""
    hold_ms: int = 0


class _Lease:
    """Heartbeat of one activation; cancels the running handler when the lease is gone."""

    def __init__(self, drainer: Drainer, ck: str, epoch: str, token: str, granted: float) -> None:
        self.drainer, self.ck, self.epoch, self.token = drainer, ck, epoch, token
        self.granted = granted  # monotonic time the lease was last extended (sent-at, so early)
        self.lost = False
        self.confirmed = False  # the script said so (not just our own clock)
        self.victim: asyncio.Task[None] | None = None  # the handler running now, if any
        self._keeper: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Keep the lease while the activation runs (again, after a loss the script denied)."""
        if self._keeper is None or self._keeper.done():
            self.lost = self.confirmed = False
            self._keeper = asyncio.create_task(self._keep())

    def stop(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()

    async def holds(self) -> bool:
        """Does this worker still hold the lease?  The fence of the handler's side effects.

        While the last extension is younger than half a lease the answer is local: the lease in
        Redis runs until at least ``granted + lease`` (extensions are timed from when they were
        sent), and a takeover waits for lease + grace past that. Older (the process was stopped,
        or the loop starved), a heartbeat decides, and extends the lease when it is still ours.
        """
        if self.lost:
            return False
        lease_s = self.drainer.config.lease_ms / 1000
        if time.monotonic() - self.granted < lease_s / 2:
            return True
        d = self.drainer
        sent = time.monotonic()
        try:
            ok = await asyncio.wait_for(
                d.scripts.heartbeat(d.redis, self.ck, self.epoch, self.token), lease_s / 2
            )
        except Exception as exc:  # cannot prove it: no side effect
            log.warning("fence_check_failed", ordering_key=self.ck, error=error_text(exc))
            return time.monotonic() - self.granted < lease_s * 0.8
        if ok:
            self.granted = sent
            return True
        self.lost = self.confirmed = True
        metrics.FENCED_CALLS.inc()
        return False

    async def _keep(self) -> None:
        d = self.drainer
        lease_s = d.config.lease_ms / 1000
        interval = lease_s / 3
        while True:
            # The script steps extend the lease too: beat only when none did for a while.
            await asyncio.sleep(max(0.0, self.granted + interval - time.monotonic()))
            if time.monotonic() - self.granted < interval:
                continue
            sent = time.monotonic()
            ok: bool | None
            try:
                ok = await asyncio.wait_for(
                    d.scripts.heartbeat(d.redis, self.ck, self.epoch, self.token), lease_s / 2
                )
            except Exception as exc:  # a Redis error must not kill the heartbeat silently
                log.warning("heartbeat_failed", ordering_key=self.ck, error=error_text(exc))
                ok = None
            if ok:
                self.granted = sent
                continue
            if ok is False:
                self.lost = self.confirmed = True  # taken over: stop before doing more
            elif time.monotonic() - self.granted > lease_s * 0.8:
                # We cannot prove we still hold it: stop before another worker may start.
                self.lost = True
            else:
                await asyncio.sleep(min(interval, 0.5))  # not proven lost yet: try again soon
                continue
            if self.victim is not None:
                self.victim.cancel()
            return


class Drainer:
    """Runs activations for one worker process."""

    def __init__(
        self,
        redis: Redis,
        scripts: PipelineScripts,
        handler: UpdateHandler,
        config: DrainConfig,
        worker_id: str,
        stopping: Callable[[], bool] = lambda: False,
        activity: Activity | None = None,
    ) -> None:
        self.redis = redis
        self.scripts = scripts
        self.handler = handler
        self.config = config
        self.worker_id = worker_id
        self.stopping = stopping
        # The chats held and the handler tasks running, for the loop watchdog's thread.
        self.activity = activity if activity is not None else Activity()

    async def run(
        self,
        ck: str,
        epoch: str,
        *,
        job_try: int = 1,
        enqueue_ms: int | None = None,
        finish_job: bool = False,
    ) -> float | Literal[_Finished.JOB] | None:
        """Drain one activation; ``None`` when done, else seconds until the job runs again.

        ``finish_job``: the claim or settle step that releases the chat (inbox empty) also ends
        the activation's arq job (``finish_job`` in ``lua/_common.lua``); :data:`JOB_FINISHED`
        is returned then instead of ``None``, and the job must not be finished again."""
        token = f"{self.worker_id}/{job_try}/{secrets.token_hex(3)}"
        age = (time.time() * 1000 - enqueue_ms) if enqueue_ms else 0
        handoff = job_try > MAX_JOB_TRY or age > MAX_JOB_AGE_MS
        granted = time.monotonic()
        step = await self.scripts.claim(
            self.redis, ck, epoch, token, handoff=handoff, finish_job=finish_job
        )
        _activations(step.kind.lower()).inc()
        self._count_dead(ck, step)
        if step.kind is StepKind.BUSY:
            # A live holder (or a dead one whose lease has not run out): look again after it.
            return step.wait_ms / 1000 + random.uniform(0.01, 0.1)
        if step.kind is StepKind.WAIT:
            return max(step.wait_ms / 1000, ROTATE_S)
        started = time.monotonic()
        done = 0
        lease = _Lease(self, ck, epoch, token, granted)
        self.activity.hold(ck, epoch, token)
        try:
            while step.kind is StepKind.ITEM:
                lease.start()
                settle = await self._run_one(ck, epoch, token, step, lease)
                if isinstance(settle.outcome, Fenced):
                    metrics.LEASES_LOST.inc()
                    _updates("lost").inc()
                    log.warning(
                        "lease_lost",
                        ordering_key=ck,
                        update_id=step.uid,
                        confirmed=settle.outcome is Fenced.LOST,
                    )
                    if settle.outcome is Fenced.UNSURE:
                        # Heartbeats failed: give the chat back if it is still ours, else stay out.
                        return await self._release_unsure(ck, epoch, token, step.uid)
                    return None
                done += 1
                budget = done < self.config.batch_size
                budget = budget and time.monotonic() - started < self.config.batch_seconds
                lease.granted = time.monotonic()
                step = await self.scripts.next(
                    self.redis,
                    ck,
                    epoch,
                    token,
                    step.uid,
                    settle.outcome,
                    error=settle.error,
                    yield_=not budget or self.stopping(),
                    hold_ms=settle.hold_ms,
                    finish_job=finish_job,
                )
                self._count_dead(ck, step)
                if step.kind is StepKind.YIELD:
                    return max(settle.hold_ms / 1000, ROTATE_S)
        finally:
            lease.stop()
            self.activity.drop(ck, token)
        if step.kind is StepKind.LOST:
            metrics.LEASES_LOST.inc()
            log.warning("lease_lost", ordering_key=ck)
        if finish_job and step.kind is StepKind.RELEASED:
            return JOB_FINISHED
        return None

    def _count_dead(self, ck: str, step: Step) -> None:
        if step.trimmed:
            metrics.DLQ_TRIMMED.inc(step.trimmed)
            log.warning("dlq_trimmed", count=step.trimmed, cap=self.scripts.config.dlq_max)
        if step.dead:
            metrics.DEAD_LETTERED.inc(step.dead)
            metrics.UPDATES.labels(outcome="dead_lettered").inc(step.dead)
            log.error("update_dead_lettered", ordering_key=ck, count=step.dead)

    async def _call(self, payload: bytes, meta: UpdateMeta) -> None:
        async with asyncio.timeout(self.config.handler_timeout):
            await self.handler(payload, meta)

    async def _run_one(self, ck: str, epoch: str, token: str, step: Step, lease: _Lease) -> _Settle:
        fence = lease.holds if self.config.fence_side_effects else None
        run = f"{token}/{step.uid}/{step.attempt}"
        meta = UpdateMeta(step.uid, ck, step.attempt, self.config.max_attempts, fence, run)
        if step.attempt == 1 and step.seen_ms is not None:
            _queue_wait_seconds.observe(max(0, step.now_ms - step.seen_ms) / 1000)
        task = asyncio.create_task(self._call(step.payload, meta))
        lease.victim = task
        self.activity.running[task] = (ck, step.uid)
        t0 = time.perf_counter()
        try:
            await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                # This worker is shutting down (or arq's job timeout hit): give the chat back
                # now, without using up the attempt, so another worker continues at once.
                await self._release_on_cancel(ck, epoch, token, step.uid)
                raise
            if lease.lost:
                return _Settle(Fenced.LOST if lease.confirmed else Fenced.UNSURE)
            return self._failed(ck, step, RuntimeError("handler was cancelled"))
        except Exception as exc:
            if lease.lost:  # e.g. LeaseLost from the fence: not a failure of the update
                return _Settle(Fenced.LOST if lease.confirmed else Fenced.UNSURE)
            return self._failed(ck, step, exc)
        finally:
            lease.victim = None
            self.activity.running.pop(task, None)
            _handler_seconds.observe(time.perf_counter() - t0)
        if lease.lost:
            return _Settle(Fenced.LOST if lease.confirmed else Fenced.UNSURE)
        _updates("ok").inc()
        return _Settle(Settlement.OK)

    def _failed(self, ck: str, step: Step, exc: Exception) -> _Settle:
        text = error_text(exc)
        wait = _retry_after(exc, self.config.max_hold_seconds)
        if wait is not None:
            metrics.UPDATES.labels(outcome="retry_after").inc()
            log.info("update_retry_after", ordering_key=ck, update_id=step.uid, retry_after=wait)
            return _Settle(Settlement.DEFER, text, int(wait * 1000))
        if isinstance(exc, PermanentError):
            log.error("update_failed_permanently", ordering_key=ck, update_id=step.uid, error=text)
            return _Settle(Settlement.DEAD, text)
        if isinstance(exc, TimeoutError):
            text = f"handler timed out after {self.config.handler_timeout:g}s"
        metrics.UPDATES.labels(outcome="failed").inc()
        if step.attempt >= self.config.max_attempts:
            # The last attempt: dead-letter now instead of holding the chat for a backoff whose
            # only outcome would be the same dead letter.
            log.error(
                "update_failed",
                ordering_key=ck,
                update_id=step.uid,
                attempt=step.attempt,
                max_attempts=self.config.max_attempts,
                error=text,
            )
            return _Settle(Settlement.DEAD, text)
        backoff = self.config.backoff(step.attempt)
        log.warning(
            "update_failed",
            ordering_key=ck,
            update_id=step.uid,
            attempt=step.attempt,
            max_attempts=self.config.max_attempts,
            retry_in=backoff,
            error=text,
        )
        return _Settle(Settlement.FAIL, text, int(backoff * 1000))

    async def _release_unsure(self, ck: str, epoch: str, token: str, uid: int) -> float | None:
        try:
            step = await self.scripts.next(
                self.redis,
                ck,
                epoch,
                token,
                uid,
                Settlement.DEFER,
                error="lease unsure",
                yield_=True,
            )
        except Exception as exc:  # still unreachable: the reaper takes the chat over
            log.warning("release_unsure_failed", ordering_key=ck, error=error_text(exc))
            return None
        # YIELD: it was still ours and the job must stay queued; LOST / RELEASED: nothing to do.
        return ROTATE_S if step.kind is StepKind.YIELD else None

    async def _release_on_cancel(self, ck: str, epoch: str, token: str, uid: int) -> None:
        metrics.UPDATES.labels(outcome="deferred").inc()
        try:
            await asyncio.wait_for(
                asyncio.shield(
                    self.scripts.next(
                        self.redis,
                        ck,
                        epoch,
                        token,
                        uid,
                        Settlement.DEFER,
                        error="cancelled",
                        yield_=True,
                    )
                ),
                2.0,
            )
        except Exception as exc:  # best effort: the lease expires on its own otherwise
            log.warning("release_on_cancel_failed", ordering_key=ck, error=error_text(exc))
