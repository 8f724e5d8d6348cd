"""Redis connections: commands packed by hiredis, byte for byte what redis-py would send."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import Connection
from redis.exceptions import DataError

from shared.connections import create_redis

CASES: list[tuple[Any, ...]] = [
    ("SET", "ключ:1", "значение с пробелами", "EX", 60),
    ("CONFIG GET", "maxmemory"),
    (b"CLIENT SETNAME", b"worker-1"),
    ("EVALSHA", "ab" * 20, 2, "k1", "k2", 0.1, 1.0, -3, 10**18),
    ("SET", "big", b"x" * 10_000),
    ("SET", "view", memoryview(b"abc")),
]


@pytest.mark.parametrize("args", CASES)
async def test_packed_bytes_match_redis_py(redis_url: str, args: tuple[Any, ...]) -> None:
    client = create_redis(redis_url)
    try:
        ours = client.connection_pool.make_connection()  # type: ignore[no-untyped-call]
        assert type(ours).__name__.startswith("HiredisPacking")
        theirs = Connection()
        assert b"".join(ours.pack_command(*args)) == b"".join(
            bytes(part) for part in theirs.pack_command(*args)
        )
    finally:
        await client.aclose()


@pytest.mark.parametrize("value", [None, True, object()])
async def test_unsendable_values_raise_data_error(
    redis: Redis, key_prefix: str, value: Any
) -> None:
    with pytest.raises(DataError):
        await redis.set(f"{key_prefix}:never-written", value)
    assert await redis.exists(f"{key_prefix}:never-written") == 0
