"""Long polling: fetch updates with getUpdates and make each batch durable before confirming it.

Telegram confirms every update below the ``offset`` of the next ``getUpdates``. So the loop is::

    deleteWebhook (once per activation)
    loop: batch = getUpdates(offset, limit=100, timeout=TELEGRAM_POLLING_TIMEOUT)
          enqueue_many(batch)            # one Redis round trip, retried until stored
          offset = last update_id + 1    # only now can the next call confirm the batch

A crash anywhere in between re-fetches the batch (the pipeline's dedup absorbs the repeats); it
never confirms an update that is not stored. Telegram's offset confirms everything below it, so
one chat cannot be refused alone: an update whose chat backlog is full is stored past the chat's
cap (counted and logged), or the offset would stop at it and every other chat would wait behind
it. When the whole pipeline is over its byte budget or Redis memory mark, the offset does stop
there (nothing confirmed) and the batch comes back after a pause.

Only the holder of the poller lease (:mod:`ingest.lease`) polls. A keeper task renews the lease
and, if renewal fails until the local deadline is near, cancels the poll task: the in-flight long
poll is torn down before the lease can expire in Redis, so a standby that takes over never overlaps.

Errors: network failures, 5xx, 409 and malformed answers back off exponentially with jitter
(capped); 429 waits ``retry_after``; 401/404 mean a bad token and end the process.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Literal, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ingest.bot_api import (
    BadResponse,
    BotApi,
    Conflict,
    InvalidToken,
    NetworkError,
    RateLimited,
    ServerError,
)
from ingest.lease import PollerLease
from ingest.metrics import IngestMetrics
from ingest.recording import Recorder
from ingest.update_types import ALLOWED_UPDATES
from shared.backoff import Backoff
from shared.errors import InvalidUpdate
from shared.logs import get_logger
from shared.pipeline import EnqueueResult, EnqueueStatus, Pipeline, parse_envelope
from shared.pipeline.envelope import MAX_UPDATE_ID
from shared.settings import Settings

__all__ = ["Backoff", "Poller"]

log = get_logger(__name__)
T = TypeVar("T")
Role = Literal["starting", "standby", "active", "stopped"]
_REDIS_ERRORS = (RedisError, OSError, TimeoutError)


class Poller:
    """Runs standby → active → standby … until cancelled; raises ``InvalidToken`` on a bad token."""

    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        pipeline: Pipeline,
        api: BotApi,
        metrics: IngestMetrics,
        *,
        recorder: Recorder | None = None,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        owner: str | None = None,
    ) -> None:
        self._settings = settings
        self._pipeline = pipeline
        self._api = api
        self._metrics = metrics
        self._recorder = recorder
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        ttl = settings.ingest.poller_lease_seconds
        self.lease = PollerLease(redis, settings.redis.key_prefix, ttl, owner)
        # Stop polling this long before the local deadline: room to cancel the in-flight request.
        self._margin = max(0.2 * ttl, 0.2)
        self._renew_every = ttl / 5
        self._redis_timeout = settings.ingest.redis_timeout
        self.role: Role = "starting"
        self.offset: int | None = None
        self._redis_down = False

    async def run(self) -> None:
        try:
            while True:
                self.role = "standby"
                if not await self._try_acquire():
                    await asyncio.sleep(self._renew_every)
                    continue
                self.role = "active"
                self._metrics.lease_acquired.inc()
                log.info("poller_active", epoch=self.lease.epoch, owner=self.lease.owner)
                try:
                    await self._while_leased()
                finally:
                    await self._give_up_lease()
                log.warning("poller_standby", reason="lease lost or expiring")
        finally:
            self.role = "stopped"

    async def _try_acquire(self) -> bool:
        try:
            async with asyncio.timeout(self._redis_timeout):
                won = await self.lease.acquire()
        except _REDIS_ERRORS as exc:
            if not self._redis_down:
                log.warning("poller_lease_unavailable", error=type(exc).__name__)
            self._redis_down = True
            return False
        self._redis_down = False
        return won

    async def _give_up_lease(self) -> None:
        # Runs on shutdown too, inside a cancelled task: bounded, and a Redis failure only means
        # the lease expires on its own instead of being handed over at once.
        try:
            async with asyncio.timeout(self._redis_timeout):
                await self.lease.release()
        except _REDIS_ERRORS:
            self.lease.forget()
        except asyncio.CancelledError:
            self.lease.forget()
            raise

    async def _while_leased(self) -> None:
        poll = asyncio.create_task(self._poll_loop(), name="ingest-poll")
        keeper = asyncio.create_task(self._keep_lease(), name="ingest-lease")
        try:
            done, _ = await asyncio.wait({poll, keeper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            poll.cancel()
            keeper.cancel()
            await asyncio.gather(poll, keeper, return_exceptions=True)
        if poll in done:
            poll.result()  # a bad token ends the process
        elif (exc := keeper.exception()) is not None:
            log.error("poller_lease_keeper_failed", error=repr(exc))

    async def _keep_lease(self) -> None:
        """Renew until the lease is lost or its local deadline is near; returning ends polling."""
        while True:
            left = self.lease.remaining() - self._margin
            if left <= 0:
                return
            await asyncio.sleep(min(self._renew_every, left))
            left = self.lease.remaining() - self._margin
            if left <= 0:
                return
            try:
                async with asyncio.timeout(min(left, self._redis_timeout)):
                    if not await self.lease.renew():
                        log.warning("poller_lease_taken")
                        return
            except _REDIS_ERRORS as exc:
                log.warning("poller_lease_renew_failed", error=type(exc).__name__)

    async def _poll_loop(self) -> None:
        await self._telegram(
            "deleteWebhook", lambda: self._api.delete_webhook(drop_pending_updates=False)
        )
        timeout = self._settings.telegram.polling_timeout
        full_backoff = Backoff(self._backoff_base, self._backoff_cap)
        while True:
            raws = await self._telegram(
                "getUpdates",
                lambda: self._api.get_updates(
                    self.offset, limit=100, poll_timeout=timeout, allowed_updates=ALLOWED_UPDATES
                ),
            )
            if not raws:
                if timeout == 0:
                    # Short polling (TELEGRAM_POLLING_TIMEOUT=0): do not spin on empty answers.
                    await asyncio.sleep(1.0)
                continue
            next_offset, blocked = await self._store(raws)
            if next_offset is not None:
                self.offset = next_offset
            if blocked:
                # Over the byte budget or memory mark: re-fetching at once would be refused again.
                await asyncio.sleep(full_backoff.next_delay())
            else:
                full_backoff.reset()

    async def _telegram(self, method: str, call: Callable[[], Awaitable[T]]) -> T:
        backoff = Backoff(self._backoff_base, self._backoff_cap)
        while True:
            try:
                result = await call()
            except InvalidToken:
                raise
            except RateLimited as exc:
                self._metrics.poll_outcome(method, "rate_limited")
                log.warning("telegram_rate_limited", method=method, retry_after=exc.retry_after)
                await asyncio.sleep(exc.retry_after)
                continue
            except (NetworkError, ServerError, Conflict, BadResponse) as exc:
                self._metrics.poll_outcome(method, _outcome(exc))
                delay = backoff.next_delay()
                log.warning("telegram_call_failed", method=method, error=str(exc), retry_in=delay)
                await asyncio.sleep(delay)
                continue
            self._metrics.poll_outcome(method, "ok")
            return result

    async def _store(self, raws: list[bytes]) -> tuple[int | None, bool]:
        """Enqueue a batch; the next offset to ask for and whether the pipeline refused some."""
        valid: list[bytes] = []
        last_id: int | None = None
        for raw in raws:
            try:
                envelope = parse_envelope(raw)
            except InvalidUpdate as exc:
                # Cannot be processed ever; without an id it cannot hold the offset back either.
                self._metrics.reject(exc.reason)
                uid = leading_update_id(raw)
                log.error("polled_update_rejected", reason=exc.reason, size=len(raw), update_id=uid)
                if uid is not None:
                    # JSON too deep to parse still names its id first (Telegram writes it first):
                    # confirming past it keeps one bad update from being fetched again forever.
                    last_id = uid if last_id is None else max(last_id, uid)
                continue
            valid.append(raw)
            last_id = envelope.update_id if last_id is None else max(last_id, envelope.update_id)
        if not valid:
            log.error("polled_batch_unusable", size=len(raws))
            return (None, True) if last_id is None else (last_id + 1, False)
        results = await self._enqueue_until_stored(valid)
        full = [i for i, r in enumerate(results) if r.status is EnqueueStatus.FULL]
        if full:
            # Holding the offset for one full chat would hold every chat: store past its cap.
            again = await self._enqueue_until_stored([valid[i] for i in full], chat_cap=False)
            for i, result in zip(full, again, strict=True):
                results[i] = result
            self._metrics.full["polling"].inc(len(full))
            log.warning("polled_update_past_chat_cap", updates=len(full))
        self._metrics.received["polling"].inc(len(results))
        first_full: int | None = None
        stored: list[bytes] = []
        for raw, result in zip(valid, results, strict=True):
            if result.status is EnqueueStatus.DUPLICATE:
                self._metrics.duplicates["polling"].inc()
            elif not result.accepted:
                if first_full is None or result.update_id < first_full:
                    first_full = result.update_id
            else:
                stored.append(raw)
        if self._recorder is not None and stored:
            await self._recorder.record(stored)
        if first_full is not None:
            log.warning("polled_update_refused_over_budget", update_id=first_full)
            return first_full, True
        assert last_id is not None
        return last_id + 1, False

    async def _enqueue_until_stored(
        self, raws: list[bytes], *, chat_cap: bool = True
    ) -> list[EnqueueResult]:
        backoff = Backoff(self._backoff_base, min(self._backoff_cap, 5.0))
        while True:
            started = time.perf_counter()
            try:
                async with asyncio.timeout(self._redis_timeout):
                    results = await self._pipeline.enqueue_many(raws, chat_cap=chat_cap)
            except TimeoutError:
                self._metrics.store_failures["redis_timeout"].inc()
                log.warning("polled_batch_not_stored", error="timeout", size=len(raws))
            except (RedisError, OSError) as exc:
                self._metrics.store_failures["redis_error"].inc()
                log.warning("polled_batch_not_stored", error=type(exc).__name__, size=len(raws))
            else:
                self._metrics.enqueue_seconds["polling"].observe(time.perf_counter() - started)
                return results
            await asyncio.sleep(backoff.next_delay())


_LEADING_ID = re.compile(rb'\A\s*\{\s*"update_id"\s*:\s*(\d{1,16})\s*[,}]')


def leading_update_id(raw: bytes) -> int | None:
    """The ``update_id`` an update's bytes start with, read without parsing the rest."""
    match = _LEADING_ID.match(raw)
    if match is None:
        return None
    uid = int(match.group(1))
    return uid if uid <= MAX_UPDATE_ID else None


def _outcome(exc: Exception) -> str:
    if isinstance(exc, NetworkError):
        return "network_error"
    if isinstance(exc, ServerError):
        return "server_error"
    if isinstance(exc, Conflict):
        return "conflict"
    return "bad_response"


async def stop(task: asyncio.Task[None]) -> None:
    """Cancel the poller task and wait until it has released its lease; never raises its error."""
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
