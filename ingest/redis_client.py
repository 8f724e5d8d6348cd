"""The receiver's Redis client: the shared one, with commands packed by hiredis.

redis-py's asyncio connection packs commands in Python, re-joining the growing buffer once per
argument. The enqueue script takes 21 arguments, the update's bytes among them, so packing cost
more CPU than anything else the receiver does per update. hiredis (already installed as the reply
parser) packs the same RESP bytes in C; anything it does not take (it accepts str, bytes, int and
float) goes through redis-py's own packer, which raises the usual ``DataError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import hiredis
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection

from shared.connections import connect_redis
from shared.settings import RedisSection

__all__ = ["create_ingest_redis", "hiredis_packing"]


class _HiredisPack:
    def pack_command(self, *args: Any) -> list[bytes]:
        first = args[0]
        # Multi-word command names ("SCRIPT LOAD") go to Redis as separate arguments.
        if isinstance(first, str):
            if " " in first:
                args = (*first.split(), *args[1:])
        elif b" " in first:
            args = (*first.split(), *args[1:])
        try:
            return [hiredis.pack_command(args)]
        except TypeError:
            return super().pack_command(*args)  # type: ignore[misc,no-any-return]

    def pack_commands(self, commands: Iterable[Iterable[Any]]) -> list[bytes]:
        return [b"".join(b"".join(self.pack_command(*command)) for command in commands)]


_classes: dict[type[AbstractConnection], type[AbstractConnection]] = {}


def hiredis_packing(base: type[AbstractConnection]) -> type[AbstractConnection]:
    """``base`` (plain, TLS or Unix socket connection) with hiredis packing."""
    if base not in _classes:
        _classes[base] = type(f"Hiredis{base.__name__}", (_HiredisPack, base), {})
    return _classes[base]


def create_ingest_redis(section: RedisSection, timeout: float) -> Redis:
    """A pooled client failing fast: a request must turn into a 503 rather than hang.

    The socket timeout and a single retry bound each command by about the receiver's deadline;
    the pool is unbounded because the webhook handler never holds more connections than
    concurrent batches.
    """
    client = connect_redis(section, socket_timeout=timeout, retries=1)
    pool = client.connection_pool
    pool.connection_class = hiredis_packing(pool.connection_class)
    return client
