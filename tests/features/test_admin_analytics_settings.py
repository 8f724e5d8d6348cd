"""/analytics (periods switched in place, zeros left out) and /settings (admin only: the
gateway-kept settings, their effect on other users, validation and the change log)."""

from __future__ import annotations

import datetime as dt

import pytest
from redis.asyncio import Redis

from devkit.fakes.seed import ADMIN, MANAGER, PLUMBER, RESIDENT
from tests.features.executor.helpers import (
    LANGUAGES,
    alerts,
    assert_each_query_answered_once,
    press_raw,
    staff,
    toasts,
    tx,
)
from tests.replay_plugin import Replay
from workers.bot.core import texts as runtime_texts
from workers.bot.core.gateway_settings import (
    DEFAULT_MAINTENANCE_MESSAGE,
    GatewaySettingsStore,
)
from workers.bot.core.ui import category_label, fmt_datetime
from workers.bot.features.admin import texts


@pytest.mark.parametrize("language", LANGUAGES)
async def test_analytics_periods_in_place(replay: Replay, language: str) -> None:
    world = replay.services
    today = world.clock.today()
    user = staff(replay, MANAGER, language, "Nodira")
    turn = await replay.command(user, "analytics")
    start = today - dt.timedelta(days=29)
    assert turn.text.splitlines()[0] == tx(
        texts.ANALYTICS_TITLE,
        language,
        days=30,
        start=f"{start:%d.%m.%Y}",
        end=f"{today:%d.%m.%Y}",
    )
    assert tx(texts.ANALYTICS_CREATED, language, count=len(world.requests)) in turn.text
    plumbing = sum(1 for r in world.requests.values() if r.category == "plumbing")
    assert f"{category_label('plumbing', language)}: {plumbing}" in turn.text
    assert category_label("ventilation", language) not in turn.text  # zero: left out
    assert turn.buttons()[1] == "• " + tx(texts.BTN_DAYS, language, days=30)

    week = await replay.press(user, tx(texts.BTN_DAYS, language, days=7))
    assert week.methods == ["answerCallbackQuery", "editMessageText"]
    week_start = today - dt.timedelta(days=6)
    assert week.text.splitlines()[0] == tx(
        texts.ANALYTICS_TITLE,
        language,
        days=7,
        start=f"{week_start:%d.%m.%Y}",
        end=f"{today:%d.%m.%Y}",
    )
    created_week = sum(1 for r in world.requests.values() if (today - r.created_at.date()).days < 7)
    assert tx(texts.ANALYTICS_CREATED, language, count=created_week) in week.text
    assert week.buttons()[0] == "• " + tx(texts.BTN_DAYS, language, days=7)
    # The button of the menu shares the command.
    same = await replay.text(user, "Analitika" if language == "uz" else "Аналитика")
    assert same.text == turn.text
    plumber = staff(replay, PLUMBER, language, "Bekzod")
    refused = await replay.command(plumber, "analytics")
    assert refused.texts == [tx(runtime_texts.ROLE_REFUSED, language)]
    assert_each_query_answered_once(replay)


async def test_analytics_period_ends_today_by_the_gateway_clock(replay: Replay) -> None:
    """The fakes' clock ten days ahead of the system's: the period ends on the fakes' today."""
    world = replay.services
    world.clock.advance(10 * 86400)  # whole days: still business hours
    today = world.clock.today()
    assert today - dt.datetime.now(dt.UTC).date() >= dt.timedelta(days=9)
    turn = await replay.command(staff(replay, MANAGER, "ru", "Nodira"), "analytics")
    start = today - dt.timedelta(days=29)
    assert turn.text.splitlines()[0] == tx(
        texts.ANALYTICS_TITLE, "ru", days=30, start=f"{start:%d.%m.%Y}", end=f"{today:%d.%m.%Y}"
    )


@pytest.mark.replay(env={"WORKER_GATEWAY_SETTINGS_CACHE_SECONDS": "0"})
@pytest.mark.parametrize("language", LANGUAGES)
async def test_settings_change_what_everyone_sees(
    replay: Replay, redis: Redis, language: str
) -> None:
    await replay.start()
    store = GatewaySettingsStore(
        redis, key_prefix=replay.settings.redis.key_prefix, cache_seconds=0
    )
    admin = staff(replay, ADMIN, language, "Dilshod")
    turn = await replay.command(admin, "settings")
    assert tx(texts.MAINTENANCE_OFF, language) in turn.text
    await replay.press(admin, tx(texts.BTN_MAINTENANCE_ON, language))  # asks first
    assert (await store.get()).maintenance_mode is False
    turn = await replay.press(admin, tx(texts.BTN_MAINTENANCE_CONFIRM, language))
    assert toasts(turn) == [tx(texts.SAVED, language)]
    assert (await store.get()).maintenance_mode is True
    assert tx(texts.BTN_MAINTENANCE_OFF, language) in turn.buttons()

    resident = staff(replay, RESIDENT, "ru", "Aziz")
    blocked_out = await replay.command(resident, "my_requests")
    assert blocked_out.texts == [tx(DEFAULT_MAINTENANCE_MESSAGE, "ru")]

    await replay.press(admin, tx(texts.BTN_MESSAGE_RU, language))
    too_long = await replay.text(admin, "ы" * 501)
    assert too_long.text == tx(texts.TEXT_TOO_LONG, language, length=501, limit=500)
    saved = await replay.text(admin, "Работы до 18:00 <важно>")
    assert saved.texts[0] == tx(texts.SAVED, language)
    assert "Работы до 18:00 &lt;важно&gt;" in saved.texts[1]  # escaped in the view
    assert (await replay.text(resident, "привет")).texts == ["Работы до 18:00 &lt;важно&gt;"]

    await replay.command(admin, "settings")
    await replay.press(admin, tx(texts.BTN_SUPPORT, language))
    await replay.text(admin, "@uk_support")
    assert (await store.get()).support_contact == "@uk_support"
    await replay.press(admin, tx(texts.BTN_SUPPORT, language))
    await replay.text(admin, "-")
    assert (await store.get()).support_contact == ""
    uzbek = tx(texts.LANGUAGE_UZ, language)
    await replay.press(admin, tx(texts.BTN_LANGUAGE_DEFAULT, language, language=uzbek))
    assert (await store.get()).default_language == "uz"
    turn = await replay.press(admin, tx(texts.BTN_MAINTENANCE_OFF, language))
    assert (await store.get()).maintenance_mode is False

    history = await store.history(10)
    last = tx(
        texts.SETTINGS_LAST_CHANGE,
        language,
        setting=tx(texts.SETTING_MAINTENANCE, language),
        who="Dilshod Karimov",
        at=fmt_datetime(history[0].at),
    )
    assert last in turn.text
    assert [c.setting for c in history] == [
        "maintenance_mode",
        "default_language",
        "support_contact",
        "support_contact",
        "maintenance_message_ru",
        "maintenance_mode",
    ]
    assert {(c.actor_user_id, c.actor_telegram_id) for c in history} == {
        (ADMIN.id, ADMIN.telegram_id)
    }
    assert_each_query_answered_once(replay)


async def test_settings_are_for_admins_only(replay: Replay, redis: Redis) -> None:
    await replay.start()
    store = GatewaySettingsStore(
        redis, key_prefix=replay.settings.redis.key_prefix, cache_seconds=0
    )
    manager = staff(replay, MANAGER, "uz", "Nodira")
    assert (await replay.command(manager, "settings")).texts == [
        tx(runtime_texts.ROLE_REFUSED, "uz")
    ]
    message = replay.telegram.bot_messages(manager.chat_id)[-1]
    turn = await press_raw(replay, manager, message, "gs:mon")
    assert alerts(turn) == [tx(runtime_texts.ROLE_REFUSED, "uz")]
    assert (await store.get()).maintenance_mode is False
    assert await store.history() == []
    assert_each_query_answered_once(replay)
