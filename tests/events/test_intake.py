"""``POST /internal/v1/events`` on the internal listener: the answers of contracts.md §10, against
real Redis, and what lands in the event lanes."""

from __future__ import annotations

import json

import pytest
from redis.asyncio import Redis

from devkit.tools.overrides import load_settings_with
from shared.events import EventStore
from shared.settings import Settings
from tests.events.support import EVENTS_PATH, KEY, internal_listener, request_event


@pytest.fixture
def settings(key_prefix: str) -> Settings:
    return load_settings_with({"SERVICE_API_KEY": KEY, "REDIS_KEY_PREFIX": key_prefix})


async def _lane_items(redis: Redis, settings: Settings) -> list[dict[str, object]]:
    store = EventStore(redis, settings)
    items: list[dict[str, object]] = []
    for n in range(settings.events.lanes):
        ck = f"ev{n}"
        q, p, _, _ = store.keys.chat(ck)
        items.extend(
            [json.loads(await redis.hget(p, uid)) for uid in await redis.zrange(q, 0, -1)]  # type: ignore[misc]
        )
    return items


async def test_single_event_then_redelivery_is_a_duplicate(
    settings: Settings, redis: Redis
) -> None:
    async with internal_listener(settings) as client:
        event = request_event("request-service:250114-007:4")
        first = await client.post(EVENTS_PATH, json=event)
        assert (first.status_code, first.json()) == (202, {"accepted": 1, "duplicates": 0})
        again = await client.post(EVENTS_PATH, json=event)
        assert (again.status_code, again.json()) == (202, {"accepted": 0, "duplicates": 1})
    stored = await _lane_items(redis, settings)
    assert [e["event_id"] for e in stored] == ["request-service:250114-007:4"]
    # Stored for 7 days.
    ttl = await redis.pttl(EventStore(redis, settings).dedup_key(event["event_id"]))
    assert 6.9 * 86400_000 < ttl <= 7 * 86400_000


async def test_batch_with_duplicates_inside_and_across(settings: Settings, redis: Redis) -> None:
    async with internal_listener(settings) as client:
        await client.post(EVENTS_PATH, json=request_event("e:1"))
        batch = {"events": [request_event("e:1"), request_event("e:2"), request_event("e:2")]}
        answer = await client.post(EVENTS_PATH, json=batch)
        assert (answer.status_code, answer.json()) == (202, {"accepted": 1, "duplicates": 2})
    assert sorted(str(e["event_id"]) for e in await _lane_items(redis, settings)) == [
        "e:1",
        "e:2",
    ]


async def test_one_bad_event_refuses_the_whole_batch(settings: Settings, redis: Redis) -> None:
    bad = request_event("e:3")
    del bad["payload"]["new_status"]
    unknown = {**request_event("e:4"), "type": "request.exploded"}
    async with internal_listener(settings) as client:
        answer = await client.post(EVENTS_PATH, json={"events": [request_event("e:1"), bad]})
        assert answer.status_code == 422
        assert answer.json()["code"] == "validation_error"
        assert "events[1].payload.new_status" in answer.json()["detail"]
        answer = await client.post(EVENTS_PATH, json={"events": [unknown]})
        assert (answer.status_code, answer.json()["code"]) == (422, "unknown_event_type")
        answer = await client.post(
            EVENTS_PATH, json={"events": [request_event(f"e:{i}") for i in range(101)]}
        )
        assert answer.status_code == 422
        answer = await client.post(EVENTS_PATH, json={**request_event("bad id!")})
        assert answer.status_code == 422
        answer = await client.post(EVENTS_PATH, content=b"{not json")
        assert (answer.status_code, answer.json()["code"]) == (400, "bad_request")
        # Nothing of the refused batches was stored, not even the good event's dedup mark.
        assert await _lane_items(redis, settings) == []
        answer = await client.post(EVENTS_PATH, json=request_event("e:1"))
        assert answer.json() == {"accepted": 1, "duplicates": 0}


async def test_wrong_or_missing_key_is_401(settings: Settings, redis: Redis) -> None:
    async with internal_listener(settings) as client:
        wrong = await client.post(
            EVENTS_PATH, json=request_event("e:1"), headers={"X-Service-API-Key": KEY + "x"}
        )
        assert (wrong.status_code, wrong.json()["code"]) == (401, "service_unauthorized")
        assert KEY not in wrong.text
        client.headers.pop("X-Service-API-Key")
        missing = await client.post(EVENTS_PATH, json=request_event("e:1"))
        assert missing.status_code == 401
        assert (await client.get(EVENTS_PATH)).status_code == 405
        metrics = (await client.get("/metrics")).text
        assert 'bot_gateway_events_rejected_total{reason="service_unauthorized"}' in metrics
    assert await _lane_items(redis, settings) == []


async def test_redis_down_is_503(key_prefix: str) -> None:
    settings = load_settings_with(
        {
            "SERVICE_API_KEY": KEY,
            "REDIS_KEY_PREFIX": key_prefix,
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "INGEST_REDIS_TIMEOUT": "0.5",
        }
    )
    async with internal_listener(settings) as client:
        answer = await client.post(EVENTS_PATH, json=request_event("e:1"))
        assert (answer.status_code, answer.json()["code"]) == (503, "unavailable")
