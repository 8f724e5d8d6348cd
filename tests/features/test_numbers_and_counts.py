"""Numbers and dates as each locale writes them (one helper in the core ui layer), and counts
that follow a change: the pending badge after an approval."""

from __future__ import annotations

import datetime as dt

import pytest

from devkit.fakes.seed import MANAGER
from tests.features.executor.helpers import (
    LANGUAGES,
    assert_each_query_answered_once,
    reply_keyboard,
    staff,
    toasts,
    tx,
)
from tests.replay_plugin import Replay
from workers.bot.core import ui
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.admin import texts

NBSP = "\u00a0"


@pytest.mark.parametrize("language", LANGUAGES)
def test_numbers_and_dates_per_locale(language: str) -> None:
    assert ui.fmt_number(4.666, locale=language) == "4,7"
    assert ui.fmt_number(19.5, locale=language) == "19,5"
    assert ui.fmt_number(1234.56, locale=language) == f"1{NBSP}234,6"
    assert ui.fmt_number(-0.04, locale=language) == "0,0"
    assert ui.fmt_number(None, locale=language) == "—"
    assert ui.fmt_count(12345, locale=language) == f"12{NBSP}345"
    assert ui.fmt_count(999, locale=language) == "999"
    moment = dt.datetime(2025, 1, 14, 20, 30, tzinfo=dt.UTC)
    assert ui.fmt_datetime(moment, language) == "15.01.2025 01:30"  # Tashkent, UTC+5
    assert ui.fmt_date(moment, language) == "15.01.2025"
    assert ui.fmt_day(moment, language) == "15.01"
    assert ui.fmt_time(moment, language) == "01:30"


@pytest.mark.parametrize("language", LANGUAGES)
async def test_analytics_prints_decimals_with_a_comma(replay: Replay, language: str) -> None:
    world = replay.services
    # Ratings 5, 4 and 5: an average of 4.67 — shown "4,7" in both languages, never "4.7".
    world.requests[world.seed_requests["confirmed"]].rating = 4
    world.requests[world.seed_requests["returned"]].rating = 5
    user = staff(replay, MANAGER, language, "Nodira")
    turn = await replay.command(user, "analytics")
    rated = [r.rating for r in world.requests.values() if r.rating is not None]
    assert sum(rated) / len(rated) == pytest.approx(14 / 3)
    assert tx(texts.ANALYTICS_RATING, language, rating="4,7") in turn.text
    spans = [
        (r.completed_at - r.created_at).total_seconds() / 3600
        for r in world.requests.values()
        if r.completed_at is not None
    ]
    hours = sum(spans) / len(spans)
    expected = f"{hours:.1f}".replace(".", ",")
    assert tx(texts.ANALYTICS_HOURS, language, hours=expected) in turn.text


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_pending_badge_follows_an_approval(replay: Replay, language: str) -> None:
    world = replay.services
    user = staff(replay, MANAGER, language, "Nodira")
    pending = sum(1 for u in world.users.values() if u.status == "pending")
    menu = await replay.command(user, "menu")
    users_button = f"{tx(ui_texts.BTN_USERS, language)} ({pending})"
    assert users_button in [b for row in reply_keyboard(menu) for b in row]

    await replay.command(user, "users")
    await replay.press(user, "Jasur Aliyev")
    turn = await replay.press(user, tx(texts.BTN_APPROVE, language))
    assert toasts(turn) == [tx(texts.USER_APPROVED, language)]
    # The menu comes again with the count as it is now: one fewer waiting.
    assert turn.texts[-1] == tx(texts.PENDING_LEFT, language, count=pending - 1)
    buttons = [b for row in reply_keyboard(turn) for b in row]
    assert f"{tx(ui_texts.BTN_USERS, language)} ({pending - 1})" in buttons
    assert users_button not in buttons
    # The list opened from it counts the same.
    back = await replay.press(user, tx(texts.BTN_TO_LIST, language))
    assert f"{pending - 1})" in back.text.splitlines()[0]
    assert_each_query_answered_once(replay)
