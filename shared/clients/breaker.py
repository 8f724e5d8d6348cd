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
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any, cast

from purgatory import AsyncAbstractUnitOfWork, AsyncCircuitBreakerFactory
from purgatory.domain.model import Context, OpenedState
from purgatory.service._async.repository import AsyncAbstractRepository
from purgatory.typing import StateName
from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.clients.errors import CircuitOpen, ServiceFailure
from shared.clients.metrics import BREAKER_STATE, BREAKER_STATE_VALUES
from shared.logs import get_logger

__all__ = ["BreakerBoard", "RedisBreakerRepository"]

log = get_logger(__name__)
KEY_TTL = 24 * 3600

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

    def __init__(self, redis: Redis, key_prefix: str, threshold: int, ttl: float) -> None:
        self.repository = RedisBreakerRepository(redis, key_prefix, threshold, ttl)
        self.factory = AsyncCircuitBreakerFactory(
            default_threshold=threshold,
            default_ttl=ttl,
            exclude=[(BaseException, _is_neutral)],
            uow=_RedisUnitOfWork(self.repository),
        )

    @contextlib.asynccontextmanager
    async def guard(self, service: str, op: str) -> AsyncIterator[None]:
        """Run one attempt under the service's breaker; raise :class:`CircuitOpen` when open."""
        try:
            breaker = await self.factory.get_breaker(service)
            await breaker.__aenter__()
        except OpenedState:
            _report(service, "opened")
            raise CircuitOpen(service, op) from None
        except (RedisError, OSError) as exc:
            log.warning("breaker_unavailable", service=service, error=type(exc).__name__)
            yield
            return
        try:
            yield
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            await self._record(breaker, service, exc)
            raise
        else:
            await self._record(breaker, service, None)

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
        await self.repository.redis.delete(self.repository.key(service))
        _report(service, "closed")
