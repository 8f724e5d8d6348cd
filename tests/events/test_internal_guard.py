"""The internal listener's guard and edges: the service key (constant-time, never empty), bodies
too large or cut off, full event lanes, and what is logged — against real Redis.

Some of these are driven through the ASGI interface directly: a client that disconnects in the
middle of its body, or a lifespan/websocket scope, cannot be produced reliably through a server.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from redis.asyncio import Redis

from devkit.tools.overrides import load_settings_with
from ingest.internal import EVENTS_PATH, InternalApp
from shared.settings import Settings
from tests.events.support import KEY, internal_listener, request_event
from tests.support import asgi_call, compare_digest_spy, logged


@pytest.fixture
def settings(key_prefix: str) -> Settings:
    return load_settings_with({"SERVICE_API_KEY": KEY, "REDIS_KEY_PREFIX": key_prefix})


def _render() -> tuple[bytes, str]:
    return b"# metrics\n", "text/plain; version=0.0.4"


def _post(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http", "path": EVENTS_PATH, "method": "POST", "headers": headers}


async def _stored(redis: Redis, settings: Settings) -> int:
    prefix = settings.redis.key_prefix
    return len([k async for k in redis.scan_iter(match=f"{prefix}:ev:*:id:*", count=1000)])


async def test_the_key_is_compared_in_constant_time(
    settings: Settings, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared = compare_digest_spy(monkeypatch, "ingest.internal.hmac.compare_digest")
    async with internal_listener(settings) as client:
        near = KEY[:-1] + "!"  # differs only in the last byte
        refused = await client.post(
            EVENTS_PATH, json=request_event("e:1"), headers={"X-Service-API-Key": near}
        )
        accepted = await client.post(EVENTS_PATH, json=request_event("e:2"))
    assert (refused.status_code, accepted.status_code) == (401, 202)
    # Every decision went through compare_digest, with the key as bytes on one side.
    assert compared == [(near.encode(), KEY.encode()), (KEY.encode(), KEY.encode())]
    assert await _stored(redis, settings) == 1


async def test_an_empty_key_setting_lets_nobody_in(
    key_prefix: str, redis: Redis, log_lines: io.StringIO
) -> None:
    # compare_digest(b"", b"") is True: an unset key must not turn an empty header into a pass.
    settings = load_settings_with({"SERVICE_API_KEY": "", "REDIS_KEY_PREFIX": key_prefix})
    async with internal_listener(settings) as client:
        for key in ("", KEY):
            answer = await client.post(
                EVENTS_PATH, json=request_event("e:1"), headers={"X-Service-API-Key": key}
            )
            assert (answer.status_code, answer.json()["code"]) == (401, "service_unauthorized")
    assert await _stored(redis, settings) == 0
    refused = logged(log_lines, "events_refused")
    assert [line["code"] for line in refused] == ["service_unauthorized"] * 2
    assert KEY not in log_lines.getvalue()


async def test_a_body_over_the_limit_is_413_and_nothing_is_stored(
    key_prefix: str, redis: Redis
) -> None:
    settings = load_settings_with(
        {"SERVICE_API_KEY": KEY, "REDIS_KEY_PREFIX": key_prefix, "INTERNAL_MAX_BODY_BYTES": "1024"}
    )
    batch = {"events": [request_event(f"e:{i}") for i in range(5)]}
    assert len(json.dumps(batch)) > 1024
    async with internal_listener(settings) as client:
        answer = await client.post(EVENTS_PATH, json=batch)
    assert (answer.status_code, answer.json()["code"]) == (413, "too_large")
    assert await _stored(redis, settings) == 0


async def test_a_client_gone_mid_body_gets_no_answer_and_nothing_is_stored(
    settings: Settings, redis: Redis
) -> None:
    app = InternalApp(settings, redis, _render)
    body = json.dumps(request_event("e:1")).encode()
    sent = await asgi_call(
        app,
        _post([(b"x-service-api-key", KEY.encode())]),
        [
            {"type": "http.request", "body": body[:20], "more_body": True},
            {"type": "http.disconnect"},
        ],
    )
    assert sent == []
    assert await _stored(redis, settings) == 0


async def test_full_event_lanes_are_503_with_retry_after_and_nothing_is_stored(
    key_prefix: str, redis: Redis, log_lines: io.StringIO
) -> None:
    settings = load_settings_with(
        {
            "SERVICE_API_KEY": KEY,
            "REDIS_KEY_PREFIX": key_prefix,
            "EVENTS_LANES": "1",
            "PIPELINE_MAX_PENDING_PER_CHAT": "2",
        }
    )
    async with internal_listener(settings) as client:
        first = await client.post(
            EVENTS_PATH, json={"events": [request_event("e:1"), request_event("e:2")]}
        )
        assert first.status_code == 202
        full = await client.post(EVENTS_PATH, json=request_event("e:3"))
    assert (full.status_code, full.json()["code"]) == (503, "unavailable")
    assert full.headers["retry-after"] == "1"
    assert await _stored(redis, settings) == 2
    assert [line["reason"] for line in logged(log_lines, "events_unavailable")] == ["lanes_full"]


async def test_stored_batches_are_logged_with_the_calling_service_only(
    settings: Settings, redis: Redis, log_lines: io.StringIO
) -> None:
    async with internal_listener(settings) as client:
        named = await client.post(EVENTS_PATH, json=request_event("e:1"))
        client.headers.pop("X-Service-Name")
        anonymous = await client.post(EVENTS_PATH, json=request_event("e:2"))
    assert (named.status_code, anonymous.status_code) == (202, 202)
    stored = logged(log_lines, "events_stored")
    assert [line["service"] for line in stored] == ["request-service", ""]
    # Neither the key nor the event bodies reach the log.
    assert KEY not in log_lines.getvalue()
    assert "Течёт кран" not in log_lines.getvalue()


async def test_metrics_health_and_unknown_routes(settings: Settings) -> None:
    async with internal_listener(settings) as client:
        metrics = await client.get("/metrics")
        health = await client.get("/health")
        head = await client.head("/health")
        unknown = await client.get("/webhook")
    assert metrics.status_code == 200
    assert health.json() == {"status": "ok", "service": "bot-gateway-internal"}
    assert head.status_code == 200
    assert unknown.status_code == 404


async def test_lifespan_is_acknowledged_and_other_scopes_are_ignored(
    settings: Settings, redis: Redis
) -> None:
    app = InternalApp(settings, redis, _render)
    sent = await asgi_call(
        app,
        {"type": "lifespan"},
        [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}],
    )
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert await asgi_call(app, {"type": "websocket", "path": EVENTS_PATH}, []) == []
    # The same app answers an HTTP scope: the websocket one was dropped, not broken.
    sent = await asgi_call(app, {"type": "http", "path": "/x", "method": "GET", "headers": []}, [])
    assert sent[0]["status"] == 404
