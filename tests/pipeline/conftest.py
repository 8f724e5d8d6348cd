"""Fixtures of the pipeline tests: settings under a per-test key prefix, scripts, an arq pool,
cleanup."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from arq.connections import ArqRedis, create_pool
from redis.asyncio import Redis

from shared.pipeline.keys import Keys
from shared.pipeline.scripts import PipelineScripts, ScriptConfig
from shared.settings import Settings, load_settings
from workers.pipeline.queue import job_deserializer, job_serializer, redis_settings


async def delete_prefix(redis: Redis, prefix: str) -> None:
    keys = [k async for k in redis.scan_iter(match=f"*{prefix}*", count=1000)]
    for i in range(0, len(keys), 500):
        await redis.unlink(*keys[i : i + 500])


@pytest.fixture
async def prefix(key_prefix: str, redis: Redis) -> AsyncIterator[str]:
    """A settings-valid key prefix of this test's own (':' is not allowed in REDIS_KEY_PREFIX)."""
    value = key_prefix.replace(":", ".")
    yield value
    await delete_prefix(redis, value)


@pytest.fixture
def settings(prefix: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("REDIS_KEY_PREFIX", prefix)
    return load_settings()


@pytest.fixture
def keys(settings: Settings) -> Keys:
    return Keys(settings.redis.key_prefix, settings.telegram.bot_id)


@pytest.fixture
def scripts(keys: Keys) -> PipelineScripts:
    return PipelineScripts(
        keys, ScriptConfig(lease_ms=1000, max_attempts=3, max_pending=5, grace_ms=100)
    )


@pytest.fixture
async def pool(settings: Settings, prefix: str) -> AsyncIterator[ArqRedis]:
    """An arq pool as the workers make it, its queue under this test's prefix."""
    p = await create_pool(
        redis_settings(settings.redis.url),
        job_serializer=job_serializer,
        job_deserializer=job_deserializer,
        default_queue_name=f"{prefix}:arq:queue",
    )
    yield p
    await p.aclose()
