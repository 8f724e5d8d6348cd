"""The runtime behind the real pipeline: enqueue → arq worker → per-update callback → Bot API."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from devkit.fakes.telegram import FakeTelegramServer
from shared.connections import create_redis
from shared.pipeline import Pipeline
from shared.settings import Settings, load_settings
from tests.runtime.bot import FLAKY, create_router
from tests.runtime.conftest import Services, new_id, texts_to
from workers.bot.runtime import RUNTIME_CTX_KEY, UpdateProcessor, build_runtime, create_handler
from workers.pipeline.queue import build_worker


@pytest.fixture
def pipeline_settings(
    monkeypatch: pytest.MonkeyPatch,
    prefix: str,
    gateway_db: str,
    tg: FakeTelegramServer,
    services: Services,
) -> Settings:
    for name, value in {
        "REDIS_KEY_PREFIX": prefix,
        "DATABASE_URL": gateway_db,
        "TELEGRAM_API_URL": tg.base_url,
        "AUTH_SERVICE_URL": services.auth_url,
        "USER_SERVICE_URL": services.user_url,
        "WORKER_METRICS_PORT": "0",
        "PIPELINE_RETRY_BACKOFF": "[0.2]",
        "TELEGRAM_PACE_PRIVATE": "off",
    }.items():
        monkeypatch.setenv(name, value)
    return load_settings()


async def test_a_transient_failure_is_retried_and_the_chat_stays_in_order(
    pipeline_settings: Settings, tg: FakeTelegramServer
) -> None:
    settings = pipeline_settings

    async def factory(ctx: dict[str, Any]):
        runtime = await build_runtime(settings, routers=[create_router()], metrics_port=0)
        ctx[RUNTIME_CTX_KEY] = runtime
        return UpdateProcessor(runtime), runtime.close

    user = tg.state.user(new_id(), "Aziz")
    FLAKY[user.chat_id] = 1  # the first attempt of /flaky fails as if a service were down
    updates = [user.send_command("flaky", "first"), user.send_command("echo", "second")]
    redis = create_redis(settings.redis.url)
    try:
        pipeline = Pipeline(redis, settings)
        results = await pipeline.enqueue_many([json.dumps(u).encode() for u in updates])
        assert all(r.accepted for r in results)
        worker = build_worker(settings, factory, burst=True)
        try:
            await asyncio.wait_for(worker.async_run(), timeout=30)
        finally:
            await worker.close()
    finally:
        await redis.aclose()
    # The retry came first: the second update waited for it, so replies keep the chat's order.
    assert texts_to(tg.state, user.chat_id) == ["flaky ok /flaky first", "echo 1 /echo second"]
    assert FLAKY[user.chat_id] == 0


async def test_create_handler_builds_the_runtime_into_the_worker_context(
    pipeline_settings: Settings, tg: FakeTelegramServer
) -> None:
    ctx: dict[str, Any] = {}
    handler, shutdown = await create_handler(ctx)
    try:
        runtime = ctx[RUNTIME_CTX_KEY]
        assert runtime.settings.redis.key_prefix == pipeline_settings.redis.key_prefix
        user = tg.state.user(new_id(), "Aziz")
        # An update type no router handles is acknowledged (no exception), not an error.
        update_id = new_id()
        update = {
            "update_id": update_id,
            "poll": {
                "id": "poll-1",
                "question": "?",
                "options": [{"text": "a", "voter_count": 0}],
                "total_voter_count": 0,
                "is_closed": True,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
            },
        }
        from workers.pipeline.drain import UpdateMeta

        await handler(json.dumps(update).encode(), UpdateMeta(update_id, "k", 1, 5))
        assert texts_to(tg.state, user.chat_id) == []
        assert len(tg.state.calls_to("setMyCommands", ok=True)) == 3  # menus published at start
    finally:
        await shutdown()
    assert runtime.closed
