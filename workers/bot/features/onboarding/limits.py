"""Join attempts: at most 5 per 15 minutes per Telegram user (guessing invite tokens is slow).

A moving window in a Redis sorted set ``<prefix>:onboarding:join:<telegram_id>`` of the allowed
attempts' times. A chat's updates are handled one at a time, so the check and the write need no
script between them.
"""

from __future__ import annotations

import secrets
import time
from typing import Final

from redis.asyncio import Redis

__all__ = ["JOIN_LIMIT", "JOIN_WINDOW", "JoinLimiter"]

JOIN_LIMIT: Final = 5
JOIN_WINDOW: Final = 15 * 60


class JoinLimiter:
    def __init__(
        self,
        redis: Redis,
        key_prefix: str,
        *,
        limit: int = JOIN_LIMIT,
        window: float = JOIN_WINDOW,
    ) -> None:
        self._redis = redis
        self._prefix = f"{key_prefix}:onboarding:join"
        self._limit = limit
        self._window = window

    def key(self, telegram_id: int) -> str:
        return f"{self._prefix}:{telegram_id}"

    async def hit(self, telegram_id: int) -> float | None:
        """Record an attempt: ``None`` when allowed, else seconds until the next one is."""
        key = self.key(telegram_id)
        now = time.time()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(key, 0, now - self._window)
            pipe.zcard(key)
            pipe.zrange(key, 0, 0, withscores=True)
            _, count, oldest = await pipe.execute()
        if int(count) >= self._limit:
            first = float(oldest[0][1]) if oldest else now
            return max(first + self._window - now, 1.0)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {f"{now:.6f}:{secrets.token_hex(4)}": now})
            pipe.expire(key, int(self._window) + 1)
            await pipe.execute()
        return None
