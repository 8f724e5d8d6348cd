"""Redis at its memory limit, for real: a private server of this test with ``maxmemory`` and
``noeviction`` (never the shared one).

* At ``maxmemory`` the ingest script is refused as a whole (OOM; its shebang makes Redis check
  before it runs): the webhook answers 503, nothing is written, Telegram delivers again.
* Draining and dead-lettering still run there (their scripts are ``allow-oom``) and free memory.
* Before that, ingest refuses above ``PIPELINE_REDIS_MEMORY_HIGH_WATER`` of ``maxmemory`` and past
  the ``PIPELINE_MAX_PENDING_BYTES`` budget (503 both), and the budget frees up as workers ack.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import OutOfMemoryError

from shared.connections import create_redis
from shared.pipeline import Keys, Pipeline
from shared.pipeline.scripts import PipelineScripts, ScriptConfig
from shared.settings import Settings, load_settings
from tests.ingest.conftest import metric, running_receiver, update
from tests.ingest.valkey import PrivateValkey


@pytest.fixture
async def capped(tmp_path: Path) -> AsyncIterator[PrivateValkey]:
    server = PrivateValkey(tmp_path / "valkey")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def small(capped: PrivateValkey) -> AsyncIterator[Redis]:
    client = create_redis(capped.url)
    await client.config_set("maxmemory-policy", "noeviction")
    try:
        yield client
    finally:
        await client.aclose()


def _settings(monkeypatch: pytest.MonkeyPatch, url: str, **env: str) -> Settings:
    monkeypatch.setenv("REDIS_URL", url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return load_settings()


async def _used(redis: Redis) -> int:
    return int((await redis.info("memory"))["used_memory"])


async def _fill(redis: Redis) -> int:
    """Write filler until Redis refuses (OOM); the number of keys written."""
    await redis.config_set("maxmemory", await _used(redis) + 2 * 1024 * 1024)
    n = 0
    while True:
        try:
            await redis.set(f"filler:{n}", b"x" * 4096)
        except OutOfMemoryError:
            return n
        n += 1


async def test_at_maxmemory_ingest_is_refused_while_drain_and_dead_letter_still_work(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, capped: PrivateValkey, small: Redis
) -> None:
    config = _settings(monkeypatch, capped.url, PIPELINE_REDIS_MEMORY_HIGH_WATER="0")
    keys = Keys(config.redis.key_prefix, config.telegram.bot_id)
    scripts = PipelineScripts(keys, ScriptConfig.from_settings(config))
    pipeline = Pipeline(small, config)
    for uid in (1, 2):
        await pipeline.enqueue(update(uid, chat_id=7001))
    epoch = (await small.hget(keys.state("c7001"), "epoch")).decode()  # type: ignore[misc]
    assert await _fill(small) > 0

    async with running_receiver(config) as receiver:
        refused = await receiver.post(update(3, chat_id=7002))
        text = await receiver.metrics()
    assert refused.status_code == 503
    assert metric(text, "bot_gateway_ingest_store_failures_total", reason="redis_error") == 1
    assert await small.exists(keys.state("c7002")) == 0  # nothing of it written

    # The drain side at maxmemory: claim, heartbeat, ack, dead-letter, reap all run.
    step = await scripts.claim(small, "c7001", epoch, "w1")
    assert (step.kind, step.uid) == ("ITEM", 1)
    assert await scripts.heartbeat(small, "c7001", epoch, "w1")
    step = await scripts.next(small, "c7001", epoch, "w1", 1, "ok")
    assert (step.kind, step.uid) == ("ITEM", 2)
    step = await scripts.next(small, "c7001", epoch, "w1", 2, "dead", error="poison")
    assert (step.kind, step.dead) == ("RELEASED", 1)
    assert await small.xlen(keys.dlq) == 1
    assert int(await small.get(keys.pending_bytes) or 0) == 0
    assert (await scripts.reap(small, "c7001"))[0] == "IDLE"

    # Memory freed elsewhere: ingest works again.
    await small.flushdb()
    assert (await pipeline.enqueue(update(4, chat_id=7002))).accepted


async def test_ingest_refuses_above_the_memory_high_water_mark(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, capped: PrivateValkey, small: Redis
) -> None:
    config = _settings(monkeypatch, capped.url, PIPELINE_REDIS_MEMORY_HIGH_WATER="0.5")
    # used / maxmemory ~ 0.67: above the mark, far from the hard limit.
    await small.config_set("maxmemory", int(await _used(small) * 1.5))
    async with running_receiver(config) as receiver:
        assert (await receiver.post(update(1, chat_id=7003))).status_code == 503
        text = await receiver.metrics()
    assert metric(text, "bot_gateway_ingest_store_failures_total", reason="over_budget") == 1
    keys = Keys(config.redis.key_prefix, config.telegram.bot_id)
    assert await small.exists(keys.state("c7003")) == 0
    await small.config_set("maxmemory", 0)  # no limit: no mark
    async with running_receiver(config) as receiver:
        assert (await receiver.post(update(1, chat_id=7003))).status_code == 200


async def test_the_pending_byte_budget_pushes_back_until_workers_ack(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, redis: Redis
) -> None:
    first, second = update(1, chat_id=7004), update(2, chat_id=7005)
    budget = len(first) + len(second) - 1
    config = _settings(monkeypatch, str(settings.redis.url), PIPELINE_MAX_PENDING_BYTES=str(budget))
    keys = Keys(config.redis.key_prefix, config.telegram.bot_id)
    scripts = PipelineScripts(keys, ScriptConfig.from_settings(config))
    async with running_receiver(config) as receiver:
        assert (await receiver.post(first)).status_code == 200
        assert (await receiver.post(second)).status_code == 503  # whole pipeline, not a chat
        assert int(await redis.get(keys.pending_bytes)) == len(first)
        epoch = (await redis.hget(keys.state("c7004"), "epoch")).decode()  # type: ignore[misc]
        step = await scripts.claim(redis, "c7004", epoch, "w1")
        assert (await scripts.next(redis, "c7004", epoch, "w1", step.uid, "ok")).kind == "RELEASED"
        assert int(await redis.get(keys.pending_bytes)) == 0
        assert (await receiver.post(second)).status_code == 200
