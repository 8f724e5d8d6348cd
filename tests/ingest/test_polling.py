"""Long polling against the fake Bot API, in this process: store first, confirm after."""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

import pytest
from redis.asyncio import Redis

from devkit.fakes.serve import serve
from ingest.bot_api import InvalidToken
from ingest.update_types import ALLOWED_UPDATES
from shared.backoff import Backoff
from shared.settings import Settings
from tests.ingest.conftest import eventually, metric, stored_payload
from tests.ingest.polling import (
    fake_telegram,
    polling_settings,
    running_poller,
    sample,
    stored_update,
)

POLLS = "bot_gateway_ingest_poll_requests_total"


async def test_polled_updates_are_stored_then_confirmed(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, redis: Redis
) -> None:
    async with fake_telegram() as (url, state, monitor):
        config = polling_settings(monkeypatch, url)
        aziz, dilnoza = state.user(2001, "Aziz", "uz"), state.user(2002, "Дильноза", "ru")
        first = [aziz.send_text(None, "salom"), dilnoza.send_text(None, "Привет")]
        async with running_poller(config) as (poller, _, metrics):
            for sent in first:
                await state.wait_until_consumed(sent["update_id"])
                assert await stored_update(redis, config, sent)
            later = aziz.send_command("start")
            await state.wait_until_consumed(later["update_id"])
            assert await stored_update(redis, config, later)
            assert poller.role == "active"
            assert poller.offset == later["update_id"] + 1
            text = metrics.render()[0].decode()
        calls = [c for c in state.calls if c.method in ("deleteWebhook", "getUpdates")]
    assert calls[0].method == "deleteWebhook"
    assert sum(c.method == "deleteWebhook" for c in calls) == 1
    polls = [c for c in calls if c.method == "getUpdates"]
    assert polls[0].params["limit"] == 100
    assert polls[0].params["timeout"] == config.telegram.polling_timeout
    assert polls[0].params["allowed_updates"] == list(ALLOWED_UPDATES)
    assert monitor.max_active == 1
    assert metric(text, "bot_gateway_ingest_updates_received_total", source="polling") == 3
    assert metric(text, "bot_gateway_ingest_poller_lease_acquired_total") == 1


async def test_rate_limit_waits_retry_after(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, redis: Redis
) -> None:
    async with fake_telegram() as (url, state, _):
        config = polling_settings(monkeypatch, url)
        state.flood(1, retry_after=1, method="getUpdates")
        async with running_poller(config) as (_, _, metrics):
            sent = state.user(2003).send_text(None, "hello")
            await state.wait_until_consumed(sent["update_id"], timeout=10)
            assert await stored_update(redis, config, sent)
        polls = state.calls_to("getUpdates")
        text = metrics.render()[0].decode()
    assert polls[0].status == 429
    assert polls[1].time - polls[0].time >= 0.95
    assert metric(text, POLLS, method="getUpdates", outcome="rate_limited") == 1


async def test_server_errors_back_off_exponentially_then_recover(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, redis: Redis
) -> None:
    async with fake_telegram() as (url, state, _):
        config = polling_settings(monkeypatch, url)
        state.fail_next(4, 502, "Bad Gateway", method="getUpdates")
        sent = state.user(2004).send_text(None, "hello")
        async with running_poller(config) as (_, _, metrics):
            await state.wait_until_consumed(sent["update_id"], timeout=10)
            assert await stored_update(redis, config, sent)
        polls = state.calls_to("getUpdates")
        text = metrics.render()[0].decode()
    assert [p.status for p in polls[:5]] == [502, 502, 502, 502, 200]
    gaps = [b.time - a.time for a, b in itertools.pairwise(polls[:5])]
    # base 0.05 s doubling, jittered ×[0.5, 1]: the fourth wait is always longer than the first.
    assert gaps[3] > gaps[0]
    assert metric(text, POLLS, method="getUpdates", outcome="server_error") == 4


async def test_unreachable_api_is_retried(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    from devkit.fakes.serve import free_port

    config = polling_settings(monkeypatch, f"http://127.0.0.1:{free_port()}")
    async with running_poller(config) as (poller, task, metrics):
        await eventually(
            lambda: sample(metrics, POLLS, method="deleteWebhook", outcome="network_error") >= 3,
            what="retries",
        )
        assert poller.role == "active"
        assert not task.done()


async def test_bad_token_ends_the_poller(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    async with fake_telegram(tokens={"987654321:" + "Z" * 35}) as (url, _, _):
        config = polling_settings(monkeypatch, url)
        async with running_poller(config) as (_, task, _):
            with pytest.raises(InvalidToken) as caught:
                await asyncio.wait_for(task, 10)
    assert config.telegram.bot_token.get_secret_value() not in str(caught.value)
    assert "401" in str(caught.value)


async def test_one_full_chat_does_not_hold_back_the_others(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, redis: Redis
) -> None:
    # Telegram's offset confirms everything below it: holding it at one full chat's update would
    # hold every chat. The full chat's update is stored past the chat's cap (and counted).
    async with fake_telegram() as (url, state, _):
        config = polling_settings(monkeypatch, url, PIPELINE_MAX_PENDING_PER_CHAT="1")
        busy, other = state.user(2005), state.user(2006)
        first = busy.send_text(None, "one")
        over = busy.send_text(None, "two")
        after = other.send_text(None, "three")
        async with running_poller(config) as (poller, _, metrics):
            await state.wait_until_consumed(after["update_id"])
            later = other.send_text(None, "four")
            await state.wait_until_consumed(later["update_id"])
            for update in (first, over, after, later):
                assert await stored_update(redis, config, update)
            assert poller.offset == later["update_id"] + 1
            assert sample(metrics, "bot_gateway_ingest_updates_full_total", source="polling") >= 1


async def test_an_over_budget_pipeline_holds_the_offset(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, redis: Redis
) -> None:
    async with fake_telegram() as (url, state, _):
        # Room for about one small update's bytes in the whole pipeline.
        config = polling_settings(monkeypatch, url, PIPELINE_MAX_PENDING_BYTES="300")
        first = state.user(2007).send_text(None, "one")
        refused = state.user(2008).send_text(None, "two")
        async with running_poller(config) as (poller, _, _):
            await state.wait_until_consumed(first["update_id"])
            await eventually(lambda: poller.offset == refused["update_id"], what="held offset")
            # Nothing confirmed past the refusal: Telegram keeps it for a later getUpdates.
            assert state.updates.is_pending(refused["update_id"])
            assert await stored_update(redis, config, first)
            assert not await stored_update(redis, config, refused)


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    backoff = Backoff(base=1.0, cap=8.0)
    delays = [backoff.next_delay() for _ in range(7)]
    for n, delay in enumerate(delays):
        ceiling = min(8.0, 2.0**n)
        assert ceiling / 2 <= delay <= ceiling
    backoff.reset()
    assert backoff.next_delay() <= 1.0


async def test_an_update_too_deep_to_parse_is_skipped_and_polling_goes_on(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, redis: Redis
) -> None:
    normal = (
        b'{"update_id":41,"message":{"message_id":1,"date":1,"chat":{"id":4101,"type":"private"}}}'
    )
    deep = b'{"update_id":42,"message":' + b"[" * 1_000 + b"]" * 1_000 + b"}"
    offsets: list[object] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        params = json.loads(body or b"{}")
        offsets.append(params.get("offset"))
        if scope["path"].endswith("/getUpdates") and params.get("offset") is None:
            answer = b'{"ok":true,"result":[' + normal + b"," + deep + b"]}"
        elif scope["path"].endswith("/getUpdates"):
            await asyncio.sleep(0.05)
            answer = b'{"ok":true,"result":[]}'
        else:
            answer = b'{"ok":true,"result":true}'
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": answer})

    async with serve(app) as url:
        config = polling_settings(monkeypatch, url)
        async with running_poller(config) as (poller, task, metrics):
            await eventually(lambda: 43 in offsets)
            assert not task.done()
            assert poller.offset == 43
            assert (
                sample(metrics, "bot_gateway_ingest_updates_rejected_total", reason="not_json") == 1
            )
            assert (
                sample(metrics, "bot_gateway_ingest_updates_received_total", source="polling") == 1
            )
        payload = await stored_payload(redis, config, normal)
        assert payload == normal
