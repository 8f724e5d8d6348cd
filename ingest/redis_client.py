"""The receiver's Redis client: the shared one (:func:`shared.connections.connect_redis`, whose
connections pack commands with hiredis), failing fast.

redis-py's asyncio connection packs commands in Python, re-joining the growing buffer once per
argument. The enqueue script takes 21 arguments, the update's bytes among them, so packing cost
more CPU than anything else the receiver does per update; hiredis packs the same RESP bytes in C.
"""

from __future__ import annotations

from redis.asyncio import Redis

from shared.connections import connect_redis
from shared.settings import RedisSection

__all__ = ["create_ingest_redis"]


def create_ingest_redis(section: RedisSection, timeout: float) -> Redis:
    """A pooled client failing fast: a request must turn into a 503 rather than hang.

    The socket timeout and a single retry bound each command by about the receiver's deadline;
    the pool is unbounded because the webhook handler never holds more connections than
    concurrent batches.
    """
    return connect_redis(section, socket_timeout=timeout, retries=1)
