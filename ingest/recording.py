"""The optional recording tap: a capped Redis stream of raw updates as they were stored.

With ``INGEST_RECORD=true`` every update that was newly queued (not a duplicate, not refused) is
also appended to ``<prefix>:record`` (``XADD … MAXLEN ~ INGEST_RECORD_MAXLEN``), one entry per
update with the single field ``update`` holding the bytes exactly as Telegram sent them. The entry
id gives the time it was stored. Replay and fixture tools read this stream.

The tap runs after the update is durable (after the webhook answer has been sent): it is a
convenience copy, so its failure is logged and never turns into a redelivery.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.logs import get_logger

__all__ = ["RECORD_FIELD", "Recorder", "record_key"]

RECORD_FIELD = "update"
log = get_logger(__name__)


def record_key(prefix: str) -> str:
    return f"{prefix}:record"


class Recorder:
    def __init__(self, redis: Redis, prefix: str, maxlen: int, timeout: float) -> None:
        self._redis = redis
        self.key = record_key(prefix)
        self._maxlen = maxlen
        self._timeout = timeout

    async def record(self, raws: Sequence[bytes]) -> None:
        """Append the updates in one round trip; failures are logged, never raised."""
        try:
            async with asyncio.timeout(self._timeout):
                async with self._redis.pipeline(transaction=False) as pipe:
                    for raw in raws:
                        pipe.xadd(
                            self.key, {RECORD_FIELD: raw}, maxlen=self._maxlen, approximate=True
                        )
                    await pipe.execute()
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("record_failed", error=type(exc).__name__, count=len(raws))
