"""Circuit breakers per service, with state shared through Redis so every worker agrees.

purgatory supplies the state machine (closed → opened → half-opened → closed) and the factory; its
own Redis unit of work works with redis-py 5 but does not fit here: it opens a connection pool of
its own from a URL and never closes it, writes under a fixed ``cbr::`` prefix instead of
``REDIS_KEY_PREFIX``, keeps keys forever, and stores the state as JSON with a read-modify-write
race.  :class:`RedisBreakerRepository` replaces it: one hash per service under
``<prefix>:breaker:<service>`` (fields ``state``, ``opened_at``, ``failure_count``), written with
single atomic commands and expiring after a day of silence.

The failure count is the shared one.  purgatory decides from the count it read when the call
started, so with many workers each one would need its own ``threshold`` failures; the increment
script therefore opens the breaker itself the moment the shared count reaches the threshold.
Half-open lets calls through until the first result: a success closes the breaker, a failure
reopens it for another ``ttl``.

Only :class:`~shared.clients.errors.ServiceFailure` (5xx, timeouts, network errors) counts as a
failure; a 4xx means the service is alive.  A cancelled call counts as nothing.  When Redis itself
is unreachable the breaker steps aside (calls go through) rather than taking every service down
with it.

Reading the shared state costs a Redis round trip, which was a third of a call's CPU.  A process
therefore trusts a read that found its breaker closed with no failures counted for
``closed_for`` seconds (:data:`CLOSED_FOR`, 1 s) and sends calls meanwhile without asking Redis.
What that costs, exactly:

- A breaker another process opens is seen here up to ``closed_for`` late: calls already trusted
  to a closed breaker still go to the service for at most that long after the read.  A failure in
  this process is never late: it is counted in Redis at once (the increment that may open the
  breaker) and ends the trust, so the next call reads the shared state again.
- A success seen under that trust does not write the reset of a count other processes raised
  within the window; the first read after it (at most ``closed_for`` later) finds the count and
  the next success resets it.  "Consecutive failures" therefore means failures with no success
  reaching Redis in between, as before, only with successes up to ``closed_for`` slower to land.

Open and half-open states, and any state with failures counted, are never trusted: every call
reads them, so fail-fast, the cool-down and the single probe behave as without the cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import Any, cast

from purgatory import AsyncAbstractUnitOfWork, AsyncCircuitBreakerFactory
from purgatory.domain.model import Context, OpenedState
from purgatory.service._async.circuitbreaker import AsyncCircuitBreaker
from purgatory.service._async.repository import AsyncAbstractRepository
from purgatory.typing import StateName
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.clients.errors import CircuitOpen, ServiceFailure
from shared.clients.metrics import BREAKER_STATE, BREAKER_STATE_VALUES
from shared.logs import get_logger

__all__ = ["CLOSED_FOR", "BreakerBoard", "RedisBreakerRepository"]

log = get_logger(__name__)
KEY_TTL = 24 * 3600
# Seconds a process trusts a read that found a breaker closed with no failures counted.
CLOSED_FOR = 1.0

# KEYS[1] hash; ARGV threshold, now, key ttl.  Returns the new count and whether it opened.
_INCR_SCRIPT = """
local n = redis.call('HINCRBY', KEYS[1], 'failure_count', 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
local s = redis.call('HGET', KEYS[1], 'state')
if n >= tonumber(ARGV[1]) and (not s or s == 'closed') then
  redis.call('HSET', KEYS[1], 'state', 'opened', 'opened_at', ARGV[2])
  return {n, 1}
end
return {n, 0}
"""


def _report(name: str, state: str) -> None:
    BREAKER_STATE.labels(name).set(BREAKER_STATE_VALUES.get(state, 0))


class RedisBreakerRepository(AsyncAbstractRepository):
    """purgatory repository on the gateway's Redis client and key prefix."""

    def __init__(self, redis: Redis, key_prefix: str, threshold: int, ttl: float) -> None:
        self.redis = redis
        self.key_prefix = key_prefix
        self.threshold = threshold
        self.ttl = ttl
        self.messages = []
        self._incr = redis.register_script(_INCR_SCRIPT)

    def key(self, name: str) -> str:
        return f"{self.key_prefix}:breaker:{name}"

    async def get(self, name: str) -> Context | None:
        raw: dict[bytes, bytes] = await self.redis.hgetall(self.key(name))  # type: ignore[misc]
        if not raw:
            return None
        state = cast(StateName, raw.get(b"state", b"closed").decode())
        opened_at = float(raw[b"opened_at"]) if b"opened_at" in raw else None
        failures = int(raw.get(b"failure_count", b"0"))
        _report(name, state)
        # Threshold and ttl come from settings, not Redis, so a changed setting applies at once.
        return Context(name, self.threshold, self.ttl, state, failures, opened_at)

    async def register(self, context: Context) -> None:
        key = self.key(context.name)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hsetnx(key, "state", "closed")
            pipe.hsetnx(key, "failure_count", "0")
            pipe.expire(key, KEY_TTL)
            await pipe.execute()
        _report(context.name, "closed")

    async def update_state(self, name: str, state: str, opened_at: float | None) -> None:
        key = self.key(name)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, "state", state)
            if opened_at is None:
                pipe.hdel(key, "opened_at")
            else:
                pipe.hset(key, "opened_at", repr(opened_at))
            pipe.expire(key, KEY_TTL)
            await pipe.execute()
        _report(name, state)
        log.warning("breaker_state_changed", service=name, state=state)

    async def inc_failures(self, name: str, failure_count: int) -> None:
        count, opened = await self._incr(
            keys=[self.key(name)], args=[self.threshold, repr(time.time()), KEY_TTL]
        )
        if opened:
            _report(name, "opened")
            log.warning("breaker_state_changed", service=name, state="opened", failures=count)

    async def reset_failure(self, name: str) -> None:
        await self.redis.hset(self.key(name), "failure_count", "0")  # type: ignore[misc]


class _RedisUnitOfWork(AsyncAbstractUnitOfWork):
    def __init__(self, repository: RedisBreakerRepository) -> None:
        self.contexts = repository

    async def commit(self) -> None:
        """Each repository write is atomic on its own; nothing is buffered."""

    async def rollback(self) -> None:
        """Nothing is buffered, so nothing to undo."""


def _is_neutral(exc: BaseException) -> bool:
    """purgatory exclude hook: True for outcomes that say nothing about the service's health."""
    return not isinstance(exc, ServiceFailure)


class BreakerBoard:
    """The breakers of all services of one process, sharing state with the other processes."""

    def __init__(
        self,
        redis: Redis,
        key_prefix: str,
        threshold: int,
        ttl: float,
        closed_for: float = CLOSED_FOR,
    ) -> None:
        self.repository = RedisBreakerRepository(redis, key_prefix, threshold, ttl)
        self.factory = AsyncCircuitBreakerFactory(
            default_threshold=threshold,
            default_ttl=ttl,
            exclude=[(BaseException, _is_neutral)],
            uow=_RedisUnitOfWork(self.repository),
        )
        self.closed_for = closed_for
        # Per service: until when (loop-independent monotonic clock) a closed read is trusted.
        self._trusted_until: dict[str, float] = {}
        self._trusted: dict[str, _TrustedClosed] = {}

    def guard(self, service: str, op: str) -> AbstractAsyncContextManager[None]:
        """Run one attempt under the service's breaker; raise :class:`CircuitOpen` when open.

        Within ``closed_for`` of a read that found it closed with no failures, no Redis read is
        made (module docstring); a failure is still counted in Redis right away.
        """
        if self._trusted_until.get(service, 0.0) > time.monotonic():
            trusted = self._trusted.get(service)
            if trusted is None:
                trusted = self._trusted[service] = _TrustedClosed(self, service)
            return trusted
        return self._guard(service, op)

    @contextlib.asynccontextmanager
    async def _guard(self, service: str, op: str) -> AsyncIterator[None]:
        try:
            read_at = time.monotonic()
            breaker = await self.factory.get_breaker(service)
            await breaker.__aenter__()
        except OpenedState:
            _report(service, "opened")
            raise CircuitOpen(service, op) from None
        except (RedisError, OSError) as exc:
            log.warning("breaker_unavailable", service=service, error=type(exc).__name__)
            yield
            return
        context = breaker.context
        if self.closed_for > 0 and context.state == "closed" and not context.failure_count:
            self._trusted_until[service] = read_at + self.closed_for
        try:
            yield
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            if not _is_neutral(exc):
                self._trusted_until.pop(service, None)
            await self._record(breaker, service, exc)
            raise
        else:
            await self._record(breaker, service, None)

    async def _record_trusted_failure(self, service: str, exc: BaseException) -> None:
        """Count a failure seen under a trusted closed state: as if just read closed, no
        failures (which is what was trusted), so the shared count is raised and may open."""
        self._trusted_until.pop(service, None)
        repository = self.repository
        context = Context(
            service,
            repository.threshold,
            repository.ttl,
            exclude=list(self.factory.global_exclude),
        )
        breaker = AsyncCircuitBreaker(context, self.factory.uow, self.factory.messagebus)
        await breaker.__aenter__()
        await self._record(breaker, service, exc)

    async def _record(self, breaker: Any, service: str, exc: BaseException | None) -> None:
        try:
            if exc is None:
                await breaker.__aexit__(None, None, None)
            else:
                await breaker.__aexit__(type(exc), exc, exc.__traceback__)
        except (RedisError, OSError) as err:
            log.warning("breaker_unavailable", service=service, error=type(err).__name__)

    async def states(self, services: Iterable[str]) -> dict[str, str]:
        """Each service's shared state (``closed``, ``opened``, ``half-opened``) for metrics and
        health pages; an open breaker whose cool-down is over reads as ``half-opened``."""
        out: dict[str, str] = {}
        for name in services:
            context = await self.repository.get(name)
            state = context.state if context else "closed"
            if (
                state == "opened"
                and context is not None
                and context.opened_at is not None
                and time.time() > context.opened_at + context.ttl
            ):
                state = "half-opened"
            out[name] = state
            _report(name, state)
        return out

    async def reset(self, service: str) -> None:
        """Close a breaker by hand (operator tooling, tests)."""
        self._trusted_until.pop(service, None)
        await self.repository.redis.delete(self.repository.key(service))
        _report(service, "closed")


class _TrustedClosed:
    """The guard of a breaker trusted closed: nothing to read; a failure is counted at once."""

    __slots__ = ("board", "service")

    def __init__(self, board: BreakerBoard, service: str) -> None:
        self.board = board
        self.service = service

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Success, a cancelled call or an answer saying the service is alive: with a closed
        # breaker and no failures counted, purgatory would write nothing either.
        if exc is not None and not _is_neutral(exc):
            await self.board._record_trusted_failure(self.service, exc)
