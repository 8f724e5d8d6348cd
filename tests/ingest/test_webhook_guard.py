"""The webhook secret and the request edges a real server rarely lets through, against real Redis.

The secret is the only proof an update comes from Telegram: it is compared in constant time and
checked before a byte of the body is read. A sender gone mid-body and a malformed Content-Length
(uvicorn refuses most; granian and proxies may not) are driven through the ASGI interface.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from redis.asyncio import Redis

from shared.settings import Settings
from tests.ingest.conftest import SECRET, Receiver, metric, stored_payload, update
from tests.support import asgi_call, compare_digest_spy, logged


async def _asgi(
    receiver: Receiver, headers: list[tuple[bytes, bytes]], messages: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """POST /webhook with the secret straight into the app: ``messages`` are what receive()
    returns in order."""
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/webhook",
        "headers": [(b"x-telegram-bot-api-secret-token", SECRET.encode()), *headers],
        "client": ("203.0.113.7", 40000),
    }
    return await asgi_call(receiver.app, scope, messages)


async def test_the_secret_is_compared_in_constant_time_before_anything_is_read(
    receiver: Receiver, redis: Redis, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared = compare_digest_spy(monkeypatch, "ingest.webhook.hmac.compare_digest")
    near = SECRET[:-1] + "!"  # the same length, one byte off: only a timing attack tells them
    refused, accepted = update(400, chat_id=5400), update(401, chat_id=5401)
    assert (await receiver.post(refused, secret=near)).status_code == 401
    assert (await receiver.post(accepted)).status_code == 200
    assert compared == [(near.encode(), SECRET.encode()), (SECRET.encode(), SECRET.encode())]
    assert await stored_payload(redis, settings, refused) is None
    assert await stored_payload(redis, settings, accepted) == accepted


async def test_a_refused_secret_is_logged_with_the_client_and_not_the_secret(
    receiver: Receiver, log_lines: io.StringIO
) -> None:
    wrong = "Wrong-secret_of-the-right-shape-0123456789"
    assert (await receiver.post(update(402), secret=wrong)).status_code == 401
    sent = await _asgi(
        receiver,
        [(b"x-telegram-bot-api-secret-token", b"x")],  # a second, wrong one: refused
        [{"type": "http.request", "body": update(403), "more_body": False}],
    )
    assert sent[0]["status"] == 401
    rejected = logged(log_lines, "update_rejected")
    assert [(r["reason"], r["status"]) for r in rejected] == [("unauthorized", 401)] * 2
    assert rejected[0]["client"] == "127.0.0.1"
    assert rejected[1]["client"] == "203.0.113.7"
    assert wrong not in log_lines.getvalue()
    assert SECRET not in log_lines.getvalue()


async def test_a_sender_gone_mid_body_gets_no_answer_and_nothing_is_stored(
    receiver: Receiver, redis: Redis, settings: Settings
) -> None:
    raw = update(404, chat_id=5404)
    sent = await _asgi(
        receiver,
        [(b"content-length", str(len(raw)).encode())],
        [
            {"type": "http.request", "body": raw[:10], "more_body": True},
            {"type": "http.disconnect"},
        ],
    )
    assert sent == []
    assert await stored_payload(redis, settings, raw) is None


async def test_a_malformed_content_length_leaves_the_limit_to_the_streamed_count(
    receiver: Receiver, redis: Redis, settings: Settings
) -> None:
    raw = update(405, chat_id=5405)
    sent = await _asgi(
        receiver,
        [(b"content-length", b"12x")],
        [{"type": "http.request", "body": raw, "more_body": False}],
    )
    assert sent[0]["status"] == 200
    assert await stored_payload(redis, settings, raw) == raw
    # The same bogus length on a body past the limit: refused while streaming, never stored.
    chunk = b" " * 65536
    over = settings.ingest.max_body_bytes // len(chunk) + 1
    sent = await _asgi(
        receiver,
        [(b"content-length", b"a lot")],
        [{"type": "http.request", "body": chunk, "more_body": True}] * over,
    )
    assert sent[0]["status"] == 413
    text = await receiver.metrics()
    assert metric(text, "bot_gateway_ingest_updates_rejected_total", reason="too_large") == 1
