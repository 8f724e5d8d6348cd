"""Shared pieces of the long-polling tests: settings for the fake Bot API, a poller in-process."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from devkit.fakes.serve import serve
from devkit.fakes.telegram import FakeTelegramState, create_app
from ingest.metrics import IngestMetrics
from ingest.poller import Poller, stop
from ingest.redis_client import create_ingest_redis
from ingest.server import bot_api
from shared.pipeline import Pipeline
from shared.settings import Settings, load_settings
from tests.ingest.conftest import metric, stored_payload

POLLING_ENV = {
    "TELEGRAM_USE_WEBHOOK": "false",
    "TELEGRAM_POLLING_TIMEOUT": "2",
    "INGEST_POLLER_LEASE_SECONDS": "2",
}


def polling_settings(monkeypatch: pytest.MonkeyPatch, api_url: str, **env: str) -> Settings:
    for name, value in {**POLLING_ENV, "TELEGRAM_API_URL": api_url, **env}.items():
        monkeypatch.setenv(name, value)
    return load_settings()


class GetUpdatesMonitor:
    """ASGI wrapper of the fake counting getUpdates requests in flight at the same time."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.active = 0
        self.max_active = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].endswith("/getUpdates"):
            await self.app(scope, receive, send)
            return
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1


@contextlib.asynccontextmanager
async def fake_telegram(
    tokens: set[str] | None = None,
) -> AsyncIterator[tuple[str, FakeTelegramState, GetUpdatesMonitor]]:
    app = create_app(FakeTelegramState(), tokens)
    monitor = GetUpdatesMonitor(app)
    async with serve(monitor) as base_url:
        try:
            yield base_url, app.state, monitor
        finally:
            await app.state.aclose()


@contextlib.asynccontextmanager
async def running_poller(
    settings: Settings, owner: str | None = None
) -> AsyncIterator[tuple[Poller, asyncio.Task[None], IngestMetrics]]:
    redis = create_ingest_redis(settings.redis, settings.ingest.redis_timeout)
    api = bot_api(settings)
    metrics = IngestMetrics()
    poller = Poller(
        settings,
        redis,
        Pipeline(redis, settings),
        api,
        metrics,
        backoff_base=0.05,
        backoff_cap=0.5,
        owner=owner,
    )
    task = asyncio.create_task(poller.run())
    try:
        yield poller, task, metrics
    finally:
        await stop(task)
        await api.aclose()
        await redis.aclose()


def sample(metrics: IngestMetrics, name: str, **labels: str) -> float:
    return metric(metrics.render()[0].decode(), name, **labels)


async def stored_update(redis: Redis, settings: Settings, update: dict[str, Any]) -> bool:
    """The update the fake delivered is in the pipeline (compared as JSON, key order aside)."""
    raw = json.dumps(update).encode()
    payload = await stored_payload(redis, settings, raw)
    return payload is not None and json.loads(payload) == update
