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


async def test_a_pool_built_elsewhere_gets_hiredis_packing(redis_url: str, key_prefix: str) -> None:
    from redis.asyncio import Redis as PlainRedis

    from shared.connections import pack_with_hiredis

    client = PlainRedis.from_url(redis_url)
    try:
        await client.set(f"{key_prefix}:before", "1", ex=60)  # an idle connection now exists
        await pack_with_hiredis(client)
        assert client.connection_pool.connection_class.__name__.startswith("HiredisPacking")
        assert await client.get(f"{key_prefix}:before") == b"1"
        conn = await client.connection_pool.get_connection()
        try:
            assert type(conn).__name__.startswith("HiredisPacking")
        finally:
            await client.connection_pool.release(conn)
        await client.delete(f"{key_prefix}:before")
    finally:
        await client.aclose()
