"""Webhook mode as a real ``bot-gateway ingest`` process: workers, setWebhook, granian, shutdown."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from devkit.fakes.serve import free_port
from ingest.update_types import ALLOWED_UPDATES
from shared.settings import Settings
from tests.ingest.conftest import SECRET, metric, stored_payload, update
from tests.ingest.polling import fake_telegram, stored_update

pytestmark = pytest.mark.slow


async def _post(url: str, body: bytes) -> int:
    # A connection per request, so the kernel spreads them over the worker processes.
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.post(
            f"{url}/webhook", content=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
    return response.status_code


async def _get(url: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=5) as client:
        return await client.get(f"{url}{path}")


async def test_several_workers_serve_one_port_and_metrics_cover_all(
    ingest_process: Any, settings: Settings, redis: Redis
) -> None:
    internal = free_port()
    receiver = ingest_process(["--workers", "2"], INTERNAL_PORT=str(internal))
    await receiver.wait_healthy(within=30)
    raws = [update(9000 + i, chat_id=8000 + i % 3) for i in range(60)]
    statuses = await asyncio.gather(*(_post(receiver.url, raw) for raw in raws))
    assert set(statuses) == {200}
    for raw in raws:
        assert await stored_payload(redis, settings, raw) == raw
    pids = {(await _get(receiver.url, "/health")).json()["pid"] for _ in range(30)}
    assert len(pids) == 2, "both workers answer"
    # The internal listener reports every process's counts; the public port serves none.
    assert (await _get(receiver.url, "/metrics")).status_code == 404
    for _ in range(6):
        text = (await _get(f"http://127.0.0.1:{internal}", "/metrics")).text
        assert metric(text, "bot_gateway_ingest_updates_received_total", source="webhook") == 60
    assert receiver.stop() == 0
    log = receiver.log()
    assert settings.telegram.bot_token.get_secret_value() not in log
    assert SECRET not in log


async def test_set_webhook_at_start_then_telegram_delivers(
    ingest_process: Any, settings: Settings, redis: Redis
) -> None:
    port = free_port()
    async with fake_telegram() as (url, state, _):
        receiver = ingest_process(
            port=port,
            TELEGRAM_API_URL=url,
            TELEGRAM_SET_WEBHOOK="true",
            TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/webhook",
            TELEGRAM_WEBHOOK_MAX_CONNECTIONS="12",
        )
        await receiver.wait_healthy()
        call = await state.wait_for_call("setWebhook", ok=True)
        sent = [state.user(4000 + i).send_text(None, "Assalomu alaykum") for i in range(4)]
        for item in sent:
            await state.wait_until_consumed(item["update_id"], timeout=10)
        log = receiver.log()
    assert call.params["url"] == f"http://127.0.0.1:{port}/webhook"
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == list(ALLOWED_UPDATES)
    assert call.params["max_connections"] == 12
    assert call.params["drop_pending_updates"] is False
    for item in sent:
        assert await stored_update(redis, settings, item)
    assert settings.telegram.bot_token.get_secret_value() not in log
    assert SECRET not in log


async def test_granian_serves_the_same_app(
    ingest_process: Any, settings: Settings, redis: Redis
) -> None:
    receiver = ingest_process(["--server", "granian"])
    await receiver.wait_healthy(within=30)
    raw = update(9500, chat_id=8100)
    assert await _post(receiver.url, raw) == 200
    assert await _post(receiver.url, b"[]") == 400
    assert (await _get(receiver.url, "/ready")).status_code == 200
    assert await stored_payload(redis, settings, raw) == raw
    assert receiver.stop() == 0
