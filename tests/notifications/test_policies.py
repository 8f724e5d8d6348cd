"""How notifications behave around the user: in the middle of a form, in quiet hours, folded,
muted, to a chat that blocked the bot, redelivered, and refused as a batch."""

from __future__ import annotations

import datetime as dt
import time

import httpx
import pytest
from redis.asyncio import Redis

from devkit.fakes.seed import ADMIN, MANAGER, PLUMBER, RESIDENT
from shared.events import EventStore
from tests.events.support import request_event
from tests.notifications.support import (
    assign_to,
    buttons,
    change_status,
    file_request,
    plain,
    speak,
    texts_in,
    tx,
)
from tests.replay_plugin import Replay
from workers.bot.core.gateway_settings import TASHKENT, GatewaySettingsStore
from workers.bot.core.ui import category_label, status_label, urgency_label
from workers.bot.features.notifications import texts as settings_texts
from workers.bot.features.requests import texts as request_texts
from workers.bot.notifications import texts
from workers.bot.notifications.held import HeldStore

pytestmark = pytest.mark.replay(events=True, env={"WORKER_GATEWAY_SETTINGS_CACHE_SECONDS": "0"})


async def _new_request(replay: Replay, urgency: str = "low") -> str:
    return await file_request(replay, urgency, f"Кран подтекает, срочность {urgency}")


async def _release(replay: Replay, redis: Redis, after_seconds: float) -> None:
    """The release cron's step, run now with the clock moved ``after_seconds`` ahead."""
    held = HeldStore(redis, replay.settings)
    now = replay.services.clock.now().timestamp()  # the gateway's clock is the fakes'
    await held.release_due(int((now + after_seconds) * 1000))
    await replay.settle()


async def test_a_notice_mid_form_leaves_the_form_going(replay: Replay) -> None:
    speak(replay, "ru", RESIDENT)
    resident = replay.user(RESIDENT.telegram_id)
    turn = await replay.command(resident, "create_request")
    assert plain(request_texts.STEP_CATEGORY, "ru") in turn.texts
    number = replay.services.seed_requests["in_progress"]
    await change_status(replay, number, "purchase", PLUMBER, "Нужна новая прокладка")
    notice = replay.telegram.bot_messages(resident.chat_id)[-1]
    assert notice["text"].startswith(
        plain(texts.STATUS_CHANGED, "ru", number=number, status=status_label("purchase", "ru"))
    )
    # The form goes on where it was: the category keyboard still works.
    turn = await replay.press(resident, category_label("plumbing", "ru"))
    assert turn.text == plain(request_texts.STEP_ADDRESS, "ru")


async def test_quiet_hours_hold_the_ordinary_and_let_the_urgent_through(
    replay: Replay, redis: Redis
) -> None:
    speak(replay, "ru", RESIDENT, PLUMBER)
    await replay.start()
    store = GatewaySettingsStore(redis, key_prefix=replay.settings.redis.key_prefix)
    local = replay.services.clock.now().astimezone(TASHKENT)  # the gateway follows the fakes
    window = f"{(local - dt.timedelta(hours=1)):%H:%M}-{(local + dt.timedelta(hours=1)):%H:%M}"
    await store.set("quiet_hours", window, actor_user_id=ADMIN.id)

    number = replay.services.seed_requests["clarification"]  # medium urgency
    await change_status(replay, number, "in_progress", MANAGER)
    assert texts_in(replay, RESIDENT.telegram_id) == []  # held until morning
    await change_status(replay, number, "clarification", MANAGER, "Когда вы дома?")
    (question,) = texts_in(replay, RESIDENT.telegram_id)  # waiting on the user: at once
    assert question == plain(texts.CLARIFICATION, "ru", number=number, question="Когда вы дома?")

    # Still quiet when the hold is due again: nothing yet. In the morning: out, folded per user.
    await _release(replay, redis, 0)
    assert len(texts_in(replay, RESIDENT.telegram_id)) == 1
    await store.set("quiet_hours", "off", actor_user_id=ADMIN.id)
    await _release(replay, redis, 3 * 3600)
    sent = texts_in(replay, RESIDENT.telegram_id)
    assert sent[1].startswith(
        plain(texts.STATUS_CHANGED, "ru", number=number, status=status_label("in_progress", "ru"))
    )
    assert len(sent) == 2
    await _release(replay, redis, 3 * 3600)  # released once, never twice
    assert len(texts_in(replay, RESIDENT.telegram_id)) == 2


async def test_quiet_hours_follow_the_fakes_clock_end_to_end(replay: Replay) -> None:
    """No explicit clock anywhere: the fakes' clock is moved with its control endpoint
    (``POST /__fake__/clock``) and the gateway follows it (``CLOCK_URL``), so the default
    quiet hours (22:00–08:00 Tashkent) start and end for both, and the worker's own release job
    sends what was held when the fakes reach the morning."""
    speak(replay, "ru", RESIDENT)
    harness = await replay.start()
    clock_url = f"{harness.service_urls['user']}/__fake__/clock"
    night = dt.datetime.combine(dt.datetime.now(TASHKENT).date(), dt.time(23, 0), TASHKENT)
    async with httpx.AsyncClient() as client:
        moved = await client.post(clock_url, json={"now": night.isoformat()})
        assert moved.status_code == 200, moved.text

        number = replay.services.seed_requests["clarification"]  # medium urgency
        await change_status(replay, number, "in_progress", MANAGER)
        assert texts_in(replay, RESIDENT.telegram_id) == []  # 23:00 for the gateway too: held
        await change_status(replay, number, "clarification", MANAGER, "Во сколько удобно?")
        (question,) = texts_in(replay, RESIDENT.telegram_id)  # waited on: at once
        assert question == plain(
            texts.CLARIFICATION, "ru", number=number, question="Во сколько удобно?"
        )

        morning = night + dt.timedelta(hours=9, minutes=30)
        moved = await client.post(clock_url, json={"now": morning.isoformat()})
        assert moved.status_code == 200, moved.text
    deadline = time.monotonic() + 20
    while len(texts_in(replay, RESIDENT.telegram_id)) < 2:
        assert time.monotonic() < deadline, "the held notice was not released in the morning"
        await replay.settle()
    status = plain(
        texts.STATUS_CHANGED, "ru", number=number, status=status_label("in_progress", "ru")
    )
    assert texts_in(replay, RESIDENT.telegram_id)[1].startswith(status)


async def test_pool_messages_fold_and_manager_digests_every_five_minutes(
    replay: Replay, redis: Redis
) -> None:
    speak(replay, "ru", PLUMBER, MANAGER, ADMIN)
    first = await _new_request(replay)
    second = await _new_request(replay)
    third = await _new_request(replay)
    pool = texts_in(replay, PLUMBER.telegram_id)
    assert len(pool) == 1 and f"№ {first}" in pool[0]  # one message a minute at most
    assert texts_in(replay, MANAGER.telegram_id) == []  # non-urgent: the 5-minute digest
    urgent = await _new_request(replay, "high")
    (at_once,) = texts_in(replay, MANAGER.telegram_id)
    assert f"№ {urgent}" in at_once

    await _release(replay, redis, 61)
    pool = texts_in(replay, PLUMBER.telegram_id)
    assert len(pool) == 2
    line = plain(
        texts.REQUEST_LINE,
        "ru",
        number=second,
        category=category_label("plumbing", "ru"),
        urgency=urgency_label("low", "ru"),
    )
    assert pool[1].startswith(plain(texts.POOL_MANY, "ru", count=3, lines="").strip())
    assert line in pool[1] and f"№ {third}" in pool[1] and f"№ {urgent}" in pool[1]
    assert len(texts_in(replay, MANAGER.telegram_id)) == 1  # the digest window is 5 minutes
    await _release(replay, redis, 301)
    digest = texts_in(replay, MANAGER.telegram_id)
    assert len(digest) == 2 and digest[1].startswith(
        plain(texts.MANAGER_DIGEST, "ru", count=3, lines="").strip()
    )
    assert buttons(replay.telegram.bot_messages(MANAGER.telegram_id)[-1]) == [
        (plain(texts.BTN_REQUESTS, "ru"), "mrl:n:1")
    ]


async def test_muted_pool_messages_are_skipped_but_assignments_still_arrive(
    replay: Replay,
) -> None:
    speak(replay, "ru", PLUMBER)
    plumber = replay.user(PLUMBER.telegram_id)
    turn = await replay.command(plumber, "notifications")
    assert turn.text.startswith(tx(settings_texts.SETTINGS_TITLE, "ru"))
    turn = await replay.press(plumber, plain(settings_texts.BTN_TOGGLE_DIGESTS, "ru"))
    assert plain(
        settings_texts.DIGESTS_LINE, "ru", state=plain(settings_texts.STATE_OFF, "ru")
    ) in (turn.text)
    before = len(texts_in(replay, PLUMBER.telegram_id))
    number = await _new_request(replay)
    assert len(texts_in(replay, PLUMBER.telegram_id)) == before  # muted
    await assign_to(replay, number, PLUMBER, MANAGER)
    assert texts_in(replay, PLUMBER.telegram_id)[-1].startswith(
        f"🛠 Вам назначена заявка № {number}"
    )


async def test_a_chat_that_blocked_the_bot_is_skipped_until_the_user_writes(
    replay: Replay,
) -> None:
    speak(replay, "ru", RESIDENT)
    resident = replay.user(RESIDENT.telegram_id)
    replay.telegram.block_chat(resident.chat_id)
    number = replay.services.seed_requests["in_progress"]
    await change_status(replay, number, "purchase", PLUMBER, "Жду детали")
    attempts = replay.telegram.calls_to("sendMessage", chat_id=resident.chat_id)
    assert [c.status for c in attempts] == [403]  # tried once, not retried
    await change_status(replay, number, "in_progress", PLUMBER)
    assert len(replay.telegram.calls_to("sendMessage", chat_id=resident.chat_id)) == 1  # skipped
    # The user unblocks the bot and writes: reachable again.
    replay.telegram.block_chat(resident.chat_id, blocked=False)
    await replay.command(resident, "menu")
    await change_status(replay, number, "purchase", PLUMBER, "Снова жду детали")
    assert texts_in(replay, resident.chat_id)[-1].endswith("Снова жду детали")


async def test_a_redelivered_event_is_shown_once(replay: Replay) -> None:
    speak(replay, "ru", RESIDENT)
    await replay.start()
    harness = replay.harness
    assert harness.events_url is not None
    event = request_event("request-service:999999-001:2", applicant_user_id=RESIDENT.id)
    event["payload"]["request"]["applicant_user_id"] = RESIDENT.id
    key = replay.settings.services.service_api_key.get_secret_value()
    async with httpx.AsyncClient(headers={"X-Service-API-Key": key}) as client:
        first = await client.post(harness.events_url, json=event)
        again = await client.post(harness.events_url, json=event)
    assert first.json() == {"accepted": 1, "duplicates": 0}
    assert again.json() == {"accepted": 0, "duplicates": 1}
    await replay.settle()
    assert len(texts_in(replay, RESIDENT.telegram_id)) == 1


async def test_a_batch_with_one_bad_event_is_refused_whole(replay: Replay, redis: Redis) -> None:
    speak(replay, "ru", RESIDENT)
    await replay.start()
    harness = replay.harness
    assert harness.events_url is not None
    good = request_event("request-service:999999-001:2")
    good["payload"]["request"]["applicant_user_id"] = RESIDENT.id
    bad = request_event("request-service:999999-001:3")
    del bad["payload"]["request"]
    key = replay.settings.services.service_api_key.get_secret_value()
    async with httpx.AsyncClient(headers={"X-Service-API-Key": key}) as client:
        answer = await client.post(harness.events_url, json={"events": [good, bad]})
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation_error"
    await replay.settle()
    assert texts_in(replay, RESIDENT.telegram_id) == []
    store = EventStore(redis, replay.settings)
    for lane in range(replay.settings.events.lanes):
        assert await redis.exists(*store.keys.chat(f"ev{lane}")) == 0
    assert not await redis.exists(store.dedup_key(good["event_id"]))


async def test_a_user_who_never_opened_the_bot_is_not_retried(replay: Replay, redis: Redis) -> None:
    from devkit.fakes.seed import NEWCOMER
    from devkit.fakes.views import user_view

    await replay.start()
    user = replay.services.users[NEWCOMER.id]
    user.status = "approved"
    auto = replay.telegram.auto_create_chats
    replay.telegram.auto_create_chats = False  # Telegram knows no chat with this user
    try:
        replay.services.events.emit(
            "user.status_changed",
            {"user": user_view(user), "old_status": "pending", "new_status": "approved"},
            f"user:{NEWCOMER.id}:status:test",
            "user-service",
        )
        await replay.settle()
    finally:
        replay.telegram.auto_create_chats = auto
    calls = replay.telegram.calls_to("sendMessage", chat_id=NEWCOMER.telegram_id)
    assert [c.status for c in calls] == [400]  # "chat not found": once, not retried
    held = HeldStore(redis, replay.settings)
    assert await held.is_unreachable(NEWCOMER.telegram_id)
    assert await redis.xlen(replay.pipeline.keys.dlq) == 0
