"""Auto-pipelining on a real Redis: the plain client's replies and errors, in fewer trips."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError

from shared.autopipeline import AutoPipelineRedis, CommandBatcher
from shared.connections import create_redis


@pytest.fixture
async def auto(redis_url: str) -> AsyncIterator[Redis]:
    client = create_redis(redis_url, socket_timeout=None, autopipeline=True)
    assert isinstance(client, AutoPipelineRedis)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Sizes (in commands) of the pipelines the batcher sent."""
    sizes: list[int] = []
    run = CommandBatcher._run

    async def counting(self: CommandBatcher, batch: list[Any]) -> None:
        sizes.append(sum(len(commands) for commands, _ in batch))
        await run(self, batch)

    monkeypatch.setattr(CommandBatcher, "_run", counting)
    return sizes


async def test_concurrent_commands_share_one_round_trip(
    auto: Redis, key_prefix: str, batches: list[int]
) -> None:
    keys = [f"{key_prefix}:k{i}" for i in range(50)]
    await asyncio.gather(*(auto.set(k, i, ex=60) for i, k in enumerate(keys)))
    assert batches == [50]
    values = await asyncio.gather(*(auto.get(k) for k in keys))
    assert values == [str(i).encode() for i in range(50)]
    assert batches == [50, 50]
    # Response callbacks apply per command, as without batching.
    assert await auto.exists(*keys) == 50
    assert await auto.hset(f"{key_prefix}:h", mapping={"a": "1"}) == 1  # type: ignore[misc]
    assert await auto.hgetall(f"{key_prefix}:h") == {b"a": b"1"}  # type: ignore[misc]


async def test_an_error_reaches_only_its_caller(
    auto: Redis, key_prefix: str, batches: list[int]
) -> None:
    await auto.set(f"{key_prefix}:s", "text", ex=60)
    results = await asyncio.gather(
        auto.incr(f"{key_prefix}:n"),
        auto.incr(f"{key_prefix}:s"),  # not an integer
        auto.get(f"{key_prefix}:s"),
        return_exceptions=True,
    )
    assert results[0] == 1 and results[2] == b"text"
    assert isinstance(results[1], ResponseError)
    assert batches[-1] == 3
    await auto.delete(f"{key_prefix}:n")


async def test_unknown_scripts_raise_noscript_so_callers_can_load_them(
    auto: Redis, key_prefix: str
) -> None:
    source = "return redis.call('INCRBY', KEYS[1], ARGV[1])"
    sha = await auto.script_load(source)
    await auto.script_flush()
    with pytest.raises(NoScriptError):
        await auto.evalsha(sha, 1, f"{key_prefix}:c", "2")  # type: ignore[misc]
    script = auto.register_script(source)  # redis-py's own load-and-retry works through it
    assert await script(keys=[f"{key_prefix}:c"], args=[3]) == 3
    await auto.delete(f"{key_prefix}:c")


async def test_plain_pipelines_join_the_batch_and_keep_their_order(
    auto: Redis, key_prefix: str, batches: list[int]
) -> None:
    async def block(n: int) -> list[Any]:
        async with auto.pipeline(transaction=False) as pipe:
            pipe.rpush(f"{key_prefix}:l{n}", "a", "b")
            pipe.lrange(f"{key_prefix}:l{n}", 0, -1)
            pipe.incr(f"{key_prefix}:l{n}")  # wrong type: in the results, not raised
            pipe.delete(f"{key_prefix}:l{n}")
            return await pipe.execute(raise_on_error=False)

    first, second = await asyncio.gather(block(1), block(2))
    for result in (first, second):
        assert result[0] == 2 and result[1] == [b"a", b"b"] and result[3] == 1
        assert isinstance(result[2], ResponseError)
    assert batches == [8]
    async with auto.pipeline(transaction=False) as pipe:
        pipe.set(f"{key_prefix}:x", "1", ex=60)
        pipe.lpush(f"{key_prefix}:x", "v")
        with pytest.raises(ResponseError):
            await pipe.execute()


async def test_transactions_and_blocking_commands_bypass_the_batch(
    auto: Redis, key_prefix: str, batches: list[int]
) -> None:
    async with auto.pipeline(transaction=True) as tx:
        tx.set(f"{key_prefix}:t", "1", ex=60)
        tx.incr(f"{key_prefix}:t")
        assert await tx.execute() == [True, 2]
    assert batches == []
    done: list[str] = []

    async def wait_for_item() -> None:
        await auto.blpop([f"{key_prefix}:q"], timeout=5)  # type: ignore[misc]
        done.append("blpop")

    waiter = asyncio.create_task(wait_for_item())
    await asyncio.sleep(0)
    # A blocked BLPOP must not hold back the batched commands.
    assert await auto.get(f"{key_prefix}:t") == b"2"
    done.append("get")
    await auto.rpush(f"{key_prefix}:q", "item")  # type: ignore[misc]
    await asyncio.wait_for(waiter, 5)
    assert done == ["get", "blpop"]
    await auto.delete(f"{key_prefix}:t", f"{key_prefix}:q")


async def test_a_cancelled_caller_does_not_disturb_the_others(auto: Redis, key_prefix: str) -> None:
    await auto.set(f"{key_prefix}:c", "v", ex=60)
    loser = asyncio.ensure_future(auto.get(f"{key_prefix}:c"))
    winner = asyncio.ensure_future(auto.get(f"{key_prefix}:c"))
    await asyncio.sleep(0)
    loser.cancel()
    assert await winner == b"v"
    with pytest.raises(asyncio.CancelledError):
        await loser
    assert await auto.get(f"{key_prefix}:c") == b"v"
    await auto.delete(f"{key_prefix}:c")


async def test_a_connection_error_reaches_every_caller_of_the_batch() -> None:
    # A port nothing listens on: every queued command fails, none hangs.
    client = create_redis(
        "redis://127.0.0.1:9/0", socket_timeout=None, retries=0, autopipeline=True
    )
    try:
        results = await asyncio.wait_for(
            asyncio.gather(client.get("a"), client.set("b", 1), return_exceptions=True), 10
        )
        assert all(isinstance(r, RedisConnectionError) for r in results), results
    finally:
        await client.aclose()
