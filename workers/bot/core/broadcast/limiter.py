"""The broadcast pace, shared by every worker, and the gate that lets conversations go first.

One Redis script per attempt (server clock, so workers on different hosts agree):

1. **Interactive gate.** If any chat of the update pipeline has an activation with work ready
   (in the active index, started within ``STALE_MS``, not parked by a backoff ``hold``), the answer
   is "busy": broadcast sends wait until no conversation has an update waiting or in flight. A chat
   active for longer than ``STALE_MS`` (a hot chat, or one whose worker died and waits for the
   reaper) stops holding broadcasts back, so they cannot be starved for ever.
2. **GCRA** at ``BROADCAST_RATE``: one send every ``1000 / rate`` ms across all senders, no burst
   (so a 429 seen by one send pauses the next one, and no second holds more than ``rate`` sends;
   a sender waking late costs a little throughput instead).

A 429 calls :meth:`BroadcastLimiter.pause`: the theoretical arrival time moves to now +
``retry_after``, so every sender on every worker waits it out.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from redis.asyncio import Redis

__all__ = ["BroadcastLimiter"]

STALE_MS: Final = 10_000
_SCAN: Final = 32
_BUSY_BACKOFF: Final = (0.005, 0.01, 0.02, 0.04, 0.08)

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[1])
if ARGV[2] ~= '' then
  local active = redis.call('ZRANGEBYSCORE', KEYS[2], now - tonumber(ARGV[4]), '+inf',
    'LIMIT', 0, tonumber(ARGV[5]))
  for _, ck in ipairs(active) do
    local hold = tonumber(redis.call('HGET', ARGV[2] .. ck .. ARGV[3], 'hold') or '0') or 0
    if hold <= now then return -1 end
  end
end
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat > now then return math.ceil(tat - now) end
local nxt = math.max(tat, now) + interval
redis.call('SET', KEYS[1], string.format('%.3f', nxt), 'PX', math.ceil(nxt - now) + 60000)
return 0
"""
_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local until_ms = now + tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if until_ms > tat then
  local ttl = math.ceil(until_ms - now) + 60000
  redis.call('SET', KEYS[1], string.format('%.3f', until_ms), 'PX', ttl)
end
return 1
"""


class BroadcastLimiter:
    def __init__(
        self,
        redis: Redis,
        *,
        key_prefix: str,
        bot_id: int,
        rate: float,
        interactive_first: bool = True,
    ) -> None:
        self._redis = redis
        self._tat = f"{key_prefix}:bc:{bot_id}:pace"
        self._active = f"{key_prefix}:tg:{bot_id}:active"
        # The pipeline's per-chat state key is <prefix>:tg:{<bot>:<ck>}:s (shared.pipeline.keys).
        self._state_head = f"{key_prefix}:tg:{{{bot_id}:" if interactive_first else ""
        self._interval = 1000.0 / rate
        self._acquire: Any = redis.register_script(_ACQUIRE)
        self._pause: Any = redis.register_script(_PAUSE)
        self.busy_waits = 0

    async def try_acquire(self) -> int:
        """0: go; -1: a conversation has work; n > 0: the pace allows the next send in n ms."""
        reply = await self._acquire(
            keys=[self._tat, self._active],
            args=[f"{self._interval:.6f}", self._state_head, "}:s", STALE_MS, _SCAN],
        )
        return int(reply)

    async def acquire(self, stopping: Any = None) -> bool:
        """Wait for a send slot; False when ``stopping()`` turned true meanwhile."""
        busy = 0
        while True:
            if stopping is not None and stopping():
                return False
            wait = await self.try_acquire()
            if wait == 0:
                return True
            if wait < 0:
                self.busy_waits += 1
                await asyncio.sleep(_BUSY_BACKOFF[min(busy, len(_BUSY_BACKOFF) - 1)])
                busy += 1
            else:
                busy = 0
                await asyncio.sleep(wait / 1000)

    async def pause(self, seconds: float) -> None:
        await self._pause(keys=[self._tat], args=[f"{seconds * 1000:.3f}"])
