"""A Redis lease that elects one active poller among the ingest replicas.

Telegram answers 409 to a second concurrent ``getUpdates``, and two pollers would each confirm
updates the other has not stored yet, so exactly one replica polls; the others stand by and try to
take the lease over.

* The lease is one key (``<prefix>:ingest:poller``) set with ``PX``; its value is
  ``<epoch>:<owner>``, where the epoch comes from an ever-increasing counter, so every holding is
  distinct even when the same process wins twice. Renewal and release are scripts that act only
  while the value is still ours: a holder that lost the lease can neither extend nor delete the
  next holder's (fencing).
* The holder keeps a *local* deadline, measured on its own monotonic clock from the moment it
  **sent** the winning command, ``ttl`` later. That is never after Redis's own expiry, so a holder
  that stops by its local deadline has stopped before anybody else can acquire. The poller stops
  a margin before it, to leave time for the in-flight long poll to be cancelled.
"""

from __future__ import annotations

import os
import secrets
import socket
import time

from redis.asyncio import Redis

__all__ = ["PollerLease", "lease_key"]

_ACQUIRE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local value = redis.call('INCR', KEYS[2]) .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return value
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def lease_key(prefix: str) -> str:
    return f"{prefix}:ingest:poller"


def default_owner() -> str:
    """host:pid:random — readable in ``redis-cli GET`` when you wonder who is polling."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class PollerLease:
    """Acquire, renew and release one named lease; all methods may raise Redis errors."""

    def __init__(self, redis: Redis, prefix: str, ttl: float, owner: str | None = None) -> None:
        self.key = lease_key(prefix)
        self._epoch_key = f"{self.key}:epoch"
        self.ttl = ttl
        self.owner = owner or default_owner()
        self.value: str | None = None
        self._valid_until = 0.0
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    @property
    def held(self) -> bool:
        return self.value is not None and self.remaining() > 0

    def remaining(self) -> float:
        """Seconds left on the local deadline (0 when not held)."""
        if self.value is None:
            return 0.0
        return max(0.0, self._valid_until - time.monotonic())

    @property
    def epoch(self) -> int | None:
        return int(self.value.split(":", 1)[0]) if self.value else None

    async def acquire(self) -> bool:
        sent = time.monotonic()
        value = await self._acquire(keys=[self.key, self._epoch_key], args=[self.owner, self._ms])
        if value is None:
            return False
        self.value = value.decode() if isinstance(value, bytes) else str(value)
        self._valid_until = sent + self.ttl
        return True

    async def renew(self) -> bool:
        """Extend the lease; False (and no longer held) if someone else holds it now."""
        if self.value is None:
            return False
        sent = time.monotonic()
        if await self._renew(keys=[self.key], args=[self.value, self._ms]):
            self._valid_until = sent + self.ttl
            return True
        self.value = None
        return False

    async def release(self) -> None:
        """Give the lease up at once, so a standby need not wait for it to expire."""
        value, self.value = self.value, None
        if value is not None:
            await self._release(keys=[self.key], args=[value])

    def forget(self) -> None:
        """Stop considering the lease held without touching Redis (it expires on its own)."""
        self.value = None

    @property
    def _ms(self) -> int:
        return max(1, int(self.ttl * 1000))
