"""POST /webhook over a real socket into real Redis: every answer the receiver gives."""

from __future__ import annotations

import asyncio
import json

import pytest
from redis.asyncio import Redis

from shared.settings import Settings, load_settings
from tests.ingest.conftest import (
    SECRET,
    Receiver,
    inbox_size,
    metric,
    running_receiver,
    stored_payload,
    update,
)


async def test_valid_update_is_stored_before_200(
    receiver: Receiver, redis: Redis, settings: Settings
) -> None:
    raw = update(100, chat_id=5001, text="Кран течёт")
    response = await receiver.post(raw)
    assert response.status_code == 200
    assert response.content == b""
    # The bytes are stored exactly as sent (workers decode them, not the receiver).
    assert await stored_payload(redis, settings, raw) == raw
    text = await receiver.metrics()
    assert metric(text, "bot_gateway_ingest_updates_received_total", source="webhook") == 1
    assert metric(text, "bot_gateway_ingest_enqueue_seconds_count", source="webhook") == 1


async def test_duplicate_is_acknowledged_and_not_queued_twice(
    receiver: Receiver, redis: Redis, settings: Settings
) -> None:
    raw = update(200, chat_id=5002)
    assert (await receiver.post(raw)).status_code == 200
    assert (await receiver.post(raw)).status_code == 200
    assert await inbox_size(redis, settings, raw) == 1
    text = await receiver.metrics()
    assert metric(text, "bot_gateway_ingest_updates_duplicate_total", source="webhook") == 1


async def test_concurrent_updates_are_each_stored(
    receiver: Receiver, redis: Redis, settings: Settings
) -> None:
    # Concurrent requests share Redis round trips; each still gets its own answer and record.
    raws = [update(1000 + i, chat_id=6000 + i % 7) for i in range(120)]
    responses = await asyncio.gather(*(receiver.post(raw) for raw in raws))
    assert [r.status_code for r in responses] == [200] * len(raws)
    for raw in raws:
        assert await stored_payload(redis, settings, raw) == raw
    # Redelivering the same burst stores nothing new.
    again = await asyncio.gather(*(receiver.post(raw) for raw in raws[:30]))
    assert {r.status_code for r in again} == {200}
    text = await receiver.metrics()
    assert metric(text, "bot_gateway_ingest_updates_duplicate_total", source="webhook") == 30


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x", SECRET[:-1]])
async def test_wrong_or_missing_secret_is_401_and_nothing_queued(
    receiver: Receiver, redis: Redis, settings: Settings, secret: str | None
) -> None:
    raw = update(300, chat_id=5003)
    response = await receiver.post(raw, secret=secret)
    assert response.status_code == 401
    assert await stored_payload(redis, settings, raw) is None
    text = await receiver.metrics()
    assert metric(text, "bot_gateway_ingest_updates_rejected_total", reason="unauthorized") == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json at all", "not_json"),
        (b'{"update_id": 5', "not_json"),
        (b"", "not_json"),
        (b"[1, 2, 3]", "not_object"),
        (b'"text"', "not_object"),
        (b"{}", "no_update_id"),
        (b'{"update_id": "7", "message": {}}', "no_update_id"),
        (b'{"update_id": 7.5}', "no_update_id"),
        (b'{"update_id": -1}', "no_update_id"),
        (b'{"update_id": true}', "no_update_id"),
        # ~2 KB nested 1,000 deep: RecursionError must not escape as a 500.
        (b"[" * 1_000 + b"]" * 1_000, "not_json"),
        (b'{"update_id": 9, "message": ' + b"[" * 1_000 + b"]" * 1_000 + b"}", "not_json"),
        (b'{"update_id": 9, "x": ' + b'{"a":' * 1_000 + b"1" + b"}" * 1_001, "not_json"),
    ],
)
async def test_malformed_body_is_400_counted_by_reason(
    receiver: Receiver, body: bytes, reason: str, capfd: pytest.CaptureFixture[str]
) -> None:
    response = await receiver.post(body, **{"Content-Type": "application/json"})
    assert response.status_code == 400
    text = await receiver.metrics()
    assert metric(text, "bot_gateway_ingest_updates_rejected_total", reason=reason) == 1
    assert metric(text, "bot_gateway_ingest_updates_received_total", source="webhook") == 0


async def test_rejection_is_logged_without_body_or_secret(
    settings: Settings, capfd: pytest.CaptureFixture[str]
) -> None:
    from shared.logs import configure_logging

    configure_logging("INFO", "json", settings.secrets)
    async with running_receiver(settings) as receiver:
        marker = "PRIVATE-BODY-CONTENT-42"
        assert (await receiver.post(f'["{marker}"]'.encode())).status_code == 400
        assert (await receiver.post(b"{}", secret="wrong-" + marker)).status_code == 401
    out, err = capfd.readouterr()
    logged = out + err
    lines = [json.loads(x) for x in logged.splitlines() if '"update_rejected"' in x]
    assert {line["reason"] for line in lines} == {"not_object", "unauthorized"}
    assert marker not in logged
    assert SECRET not in logged


async def test_oversized_content_length_is_413_before_the_body_is_read(
    receiver: Receiver, settings: Settings, redis: Redis
) -> None:
    host, port = receiver.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        # Announce 50 MiB but send only the headers: a receiver that read the body would hang.
        writer.write(
            b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n".encode()
            + f"Content-Length: {50 * 1024 * 1024}\r\n\r\n".encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
    finally:
        writer.close()
    assert status_line.startswith(b"HTTP/1.1 413")
    text = await receiver.metrics()
    assert metric(text, "bot_gateway_ingest_updates_rejected_total", reason="too_large") == 1


async def test_oversized_chunked_body_is_413_while_streaming(
    receiver: Receiver, settings: Settings
) -> None:
    limit = settings.ingest.max_body_bytes
    host, port = receiver.url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(
            b"POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            + f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n\r\n".encode()
        )
        chunk = b"x" * 65536
        # Just past the limit, and never the terminating chunk: the answer must not wait for it.
        for _ in range(limit // len(chunk) + 1):
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 5)
    finally:
        writer.close()
    assert status_line.startswith(b"HTTP/1.1 413")


async def test_body_at_the_limit_is_accepted(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, redis: Redis
) -> None:
    monkeypatch.setenv("INGEST_MAX_BODY_BYTES", "2048")
    small = load_settings()
    raw = update(400, chat_id=5004)
    padded = raw[:-1] + b',"pad":"' + b"p" * (2048 - len(raw) - 9) + b'"}'
    assert len(padded) == 2048
    async with running_receiver(small) as receiver:
        assert (await receiver.post(padded)).status_code == 200
        assert (await receiver.post(padded[:-2] + b'p"}')).status_code == 413
    assert await stored_payload(redis, small, padded) == padded


async def test_full_chat_backlog_is_429_and_not_stored(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, redis: Redis
) -> None:
    monkeypatch.setenv("PIPELINE_MAX_PENDING_PER_CHAT", "2")
    capped = load_settings()
    raws = [update(500 + i, chat_id=5005) for i in range(3)]
    async with running_receiver(capped) as receiver:
        statuses = [(await receiver.post(raw)).status_code for raw in raws]
        # Another chat is not held back by the full one.
        assert (await receiver.post(update(600, chat_id=5006))).status_code == 200
        text = await receiver.metrics()
    assert statuses == [200, 200, 429]
    assert await stored_payload(redis, capped, raws[2]) is None
    assert metric(text, "bot_gateway_ingest_updates_full_total", source="webhook") == 1


async def test_without_configured_secret_any_request_is_checked_only_for_shape(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, redis: Redis
) -> None:
    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET")
    open_settings = load_settings()
    raw = update(700, chat_id=5007)
    async with running_receiver(open_settings) as receiver:
        assert (await receiver.post(raw, secret=None)).status_code == 200
    assert await stored_payload(redis, open_settings, raw) == raw


async def test_other_methods_and_paths(receiver: Receiver) -> None:
    client = receiver.client
    response = await client.get(f"{receiver.url}/webhook")
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert (await client.post(f"{receiver.url}/health")).status_code == 405
    assert (await client.get(f"{receiver.url}/nope")).status_code == 404
    assert (await client.post(f"{receiver.url}/webhook/extra", content=b"{}")).status_code == 404


async def test_recording_tap_keeps_new_updates_only(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, redis: Redis
) -> None:
    monkeypatch.setenv("INGEST_RECORD", "true")
    monkeypatch.setenv("INGEST_RECORD_MAXLEN", "1000")
    recording = load_settings()
    raws = [update(800 + i, chat_id=5008) for i in range(3)]
    async with running_receiver(recording) as receiver:
        for raw in raws:
            assert (await receiver.post(raw)).status_code == 200
        assert (await receiver.post(raws[0])).status_code == 200  # duplicate: not recorded
        assert (await receiver.post(b"[]")).status_code == 400  # invalid: not recorded
    entries = await redis.xrange(f"{recording.redis.key_prefix}:record")
    assert [fields[b"update"] for _, fields in entries] == raws
