"""/health, /ready, /livez; metrics (exposed on the internal listener only)."""

from __future__ import annotations

import os

import pytest

from devkit.fakes.serve import free_port
from ingest.app import SERVICE, service_version
from shared.settings import Settings, load_settings
from tests.ingest.conftest import Receiver, metric, running_receiver, update


async def test_health_reports_service_version_and_redis(receiver: Receiver) -> None:
    response = await receiver.client.get(f"{receiver.url}/health")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body == {
        "status": "ok",
        "service": SERVICE,
        "version": service_version(),
        "mode": "webhook",
        "redis": "up",
        "draining": False,
        "pid": os.getpid(),
    }


async def test_ready_while_redis_answers_and_not_while_draining(receiver: Receiver) -> None:
    response = await receiver.client.get(f"{receiver.url}/ready")
    assert (response.status_code, response.json()) == (200, {"status": "ready", "redis": "up"})
    receiver.app.draining = True
    response = await receiver.client.get(f"{receiver.url}/ready")
    assert (response.status_code, response.json()["status"]) == (503, "draining")


async def test_livez_answers_without_redis_and_while_draining(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Liveness must not depend on Redis: an outage would otherwise restart every receiver.
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    async with running_receiver(load_settings()) as receiver:
        live = await receiver.client.get(f"{receiver.url}/livez")
        assert (live.status_code, live.json()) == (200, {"status": "ok"})
        ready = await receiver.client.get(f"{receiver.url}/ready")
        assert ready.status_code == 503
        receiver.app.draining = True
        assert (await receiver.client.get(f"{receiver.url}/livez")).status_code == 200
        refused = await receiver.client.post(f"{receiver.url}/livez")
        assert refused.status_code == 405


async def test_the_public_port_serves_no_metrics(receiver: Receiver) -> None:
    for path in ("/metrics", "/internal/v1/events", "/debug", "/"):
        assert (await receiver.client.get(f"{receiver.url}{path}")).status_code == 404
        assert (await receiver.client.post(f"{receiver.url}{path}")).status_code == 404


async def test_metrics_exposition(receiver: Receiver) -> None:
    await receiver.post(update(1, chat_id=42))
    await receiver.post(b"nope")
    body, content_type = receiver.app.metrics.render()
    assert content_type.startswith("text/plain; version=")
    text = body.decode()
    assert "# TYPE bot_gateway_ingest_enqueue_seconds histogram" in text
    assert metric(text, "bot_gateway_ingest_updates_received_total", source="webhook") == 1
    assert metric(text, "bot_gateway_ingest_updates_rejected_total", reason="not_json") == 1
    # The pipeline's own counters (process-wide registry) are exposed too.
    assert "bot_gateway_pipeline_enqueued_total" in text
