"""Redis gone or slow: 503, and never an acknowledgement for an update that is not stored."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from shared.connections import create_redis
from shared.settings import Settings, load_settings
from tests.ingest.conftest import (
    Receiver,
    eventually,
    metric,
    running_receiver,
    stored_payload,
    update,
)
from tests.ingest.valkey import PrivateValkey


@pytest.fixture
async def valkey(tmp_path: Path) -> AsyncIterator[PrivateValkey]:
    server = PrivateValkey(tmp_path / "valkey")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def private_settings(
    valkey: PrivateValkey, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.setenv("REDIS_URL", valkey.url)
    monkeypatch.setenv("INGEST_REDIS_TIMEOUT", "0.5")
    return load_settings()


async def test_redis_killed_mid_stream_acknowledges_only_stored_updates(
    valkey: PrivateValkey, private_settings: Settings
) -> None:
    ids = itertools.count(1)
    outcomes: dict[int, int] = {}
    stop = asyncio.Event()

    async def sender(receiver: Receiver) -> None:
        while not stop.is_set():
            uid = next(ids)
            response = await receiver.post(update(uid, chat_id=7000 + uid % 5))
            outcomes[uid] = response.status_code

    async with running_receiver(private_settings) as receiver:
        senders = [asyncio.create_task(sender(receiver)) for _ in range(8)]
        try:
            await eventually(lambda: sum(s == 200 for s in outcomes.values()) >= 200)
            await valkey.kill()
            killed_at = max(outcomes)
            await eventually(lambda: sum(s == 503 for s in outcomes.values()) >= 40)
            ready = await receiver.client.get(f"{receiver.url}/ready")
            health = await receiver.client.get(f"{receiver.url}/health")
        finally:
            stop.set()
            await asyncio.gather(*senders)
        text = await receiver.metrics()

        assert set(outcomes.values()) <= {200, 503}
        # Requests sent well after the kill all failed; none was acknowledged.
        late = [s for uid, s in outcomes.items() if uid > killed_at + 8]
        assert late and set(late) == {503}
        assert ready.status_code == 503
        assert health.status_code == 200
        assert health.json()["redis"] == "down"
        failures = metric(
            text, "bot_gateway_ingest_store_failures_total", reason="redis_error"
        ) + metric(text, "bot_gateway_ingest_store_failures_total", reason="redis_timeout")
        assert failures == sum(s == 503 for s in outcomes.values())

        # Same port, same data: every update that got a 200 is there.
        await valkey.start()
        client = create_redis(valkey.url)
        try:
            acked = [uid for uid, s in outcomes.items() if s == 200]
            for uid in acked:
                raw = update(uid, chat_id=7000 + uid % 5)
                assert await stored_payload(client, private_settings, raw) == raw, uid
        finally:
            await client.aclose()
        # And the receiver recovers by itself once Redis is back.
        response = await receiver.post(update(10**6, chat_id=7001))
        assert response.status_code == 200


async def test_redis_down_from_the_start_is_503(
    valkey: PrivateValkey, private_settings: Settings
) -> None:
    await valkey.kill()
    async with running_receiver(private_settings) as receiver:
        started = time.monotonic()
        response = await receiver.post(update(1, chat_id=7100))
        assert response.status_code == 503
        assert time.monotonic() - started < 3
        assert (await receiver.client.get(f"{receiver.url}/ready")).status_code == 503


async def test_redis_slower_than_deadline_is_503_and_redelivery_is_a_duplicate(
    valkey: PrivateValkey, private_settings: Settings
) -> None:
    raw = update(42, chat_id=7200)
    admin = create_redis(valkey.url)
    try:
        async with running_receiver(private_settings) as receiver:
            assert (await receiver.client.get(f"{receiver.url}/ready")).status_code == 200
            await admin.client_pause(1500, all=False)  # writes only
            started = time.monotonic()
            response = await receiver.post(raw)
            elapsed = time.monotonic() - started
            assert response.status_code == 503
            assert elapsed < 1.4  # the deadline (0.5 s), not the pause, decided
            text = await receiver.metrics()
            assert metric(text, "bot_gateway_ingest_store_failures_total", reason="redis_timeout")
            # The late write may still land once Redis resumes: Telegram's redelivery is then
            # answered 200 as a duplicate, and the update is in the inbox once.
            deadline = time.monotonic() + 5
            while (response := await receiver.post(raw)).status_code != 200:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.1)
        assert await stored_payload(admin, private_settings, raw) == raw
    finally:
        await admin.aclose()


async def test_a_burst_against_a_stalled_redis_is_answered_within_the_deadline(
    valkey: PrivateValkey, private_settings: Settings
) -> None:
    admin = create_redis(valkey.url)
    try:
        async with running_receiver(private_settings) as receiver:
            await admin.client_pause(2500, all=False)  # writes only

            async def timed(uid: int) -> tuple[int, float]:
                started = time.monotonic()
                response = await receiver.post(update(uid, chat_id=7300 + uid % 9))
                return response.status_code, time.monotonic() - started

            # More than Telegram's 40 connections, fewer than the test client's pool (100).
            answers = await asyncio.gather(*(timed(uid) for uid in range(1, 61)))
    finally:
        await admin.client_unpause()
        await admin.aclose()
    assert {status for status, _ in answers} == {503}
    # Every request, however deep in the queue, learns its fate by its own deadline (0.5 s).
    assert max(elapsed for _, elapsed in answers) < 0.5 + 0.6
