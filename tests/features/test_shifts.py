"""Shifts through the running system: /my_shifts with cards, starting and ending a shift,
the week schedule for an executor and for a manager, and who may not use them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from devkit.fakes.seed import (
    ELECTRICIAN,
    MANAGER,
    MULTI_ROLE,
    PENDING_EXECUTOR,
    PLUMBER,
    RESIDENT,
    SHIFTS,
)
from devkit.fakes.state import TASHKENT
from tests.features.executor.helpers import (
    LANGUAGES,
    alerts,
    assert_each_query_answered_once,
    end_shifts,
    press_raw,
    put_on_shift,
    service_calls,
    staff,
    tx,
)
from tests.replay_plugin import Replay
from workers.bot.core import texts as runtime_texts
from workers.bot.core.ui import fmt_datetime
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.shifts import texts


def shift_button(replay: Replay, key: str) -> str:
    shift = replay.services.shifts[SHIFTS[key]]
    start = shift.planned_start_time.astimezone(TASHKENT)
    end = shift.planned_end_time.astimezone(TASHKENT)
    return f"{start:%d.%m} {start:%H:%M}–{end:%H:%M}"


def flat_keyboard(markup: dict[str, Any] | None) -> list[str]:
    rows = (markup or {}).get("keyboard") or []
    return [str(b["text"]) for row in rows for b in row]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_my_shifts_mark_the_current_one_and_open_cards(replay: Replay, language: str) -> None:
    user = staff(replay, PLUMBER, language, "Bekzod")
    turn = await replay.command(user, "my_shifts")
    current = tx(texts.CURRENT_MARK, language)
    lines = turn.text.splitlines()
    assert [line.startswith(current) for line in lines[1:]] == [True, False]
    assert turn.buttons() == [shift_button(replay, "active"), shift_button(replay, "tomorrow")]
    # The menu button shares the command, in the other language too.
    same = await replay.text(user, tx(ui_texts.BTN_MY_SHIFTS, "ru" if language == "uz" else "uz"))
    assert same.text == turn.text

    card = await replay.press(user, shift_button(replay, "active"))
    assert card.methods == ["answerCallbackQuery", "editMessageText"]
    assert card.buttons() == [tx(texts.BTN_END, language), tx(texts.BTN_BACK, language)]
    back = await replay.press(user, tx(texts.BTN_BACK, language))
    assert back.text == turn.text
    tomorrow = await replay.press(user, shift_button(replay, "tomorrow"))
    opens = replay.services.shifts[SHIFTS["tomorrow"]].planned_start_time - dt.timedelta(hours=1)
    assert tx(texts.START_OPENS_AT, language, opens=fmt_datetime(opens)) in tomorrow.text
    assert tx(texts.BTN_START, language) not in tomorrow.buttons()
    assert_each_query_answered_once(replay)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_start_a_shift_inside_its_window(replay: Replay, language: str) -> None:
    world = replay.services
    shift_id = SHIFTS["electrician_soon"]  # starts in 30 minutes: the window is open
    user = staff(replay, ELECTRICIAN, language, "Sardor")
    turn = await replay.text(user, tx(ui_texts.BTN_START_SHIFT, language))
    assert turn.text == tx(texts.START_PICK, language)
    turn = await replay.press(user, shift_button(replay, "electrician_soon"))
    assert world.shifts[shift_id].status == "active"
    end = fmt_datetime(world.shifts[shift_id].planned_end_time)
    assert turn.text == tx(texts.STARTED, language, shift_id=shift_id, end=end)
    keyboard = flat_keyboard(turn.markup())
    assert tx(ui_texts.BTN_END_SHIFT, language) in keyboard  # the menu switched to End shift
    assert tx(ui_texts.BTN_START_SHIFT, language) not in keyboard
    [call] = service_calls(replay, "shift", "POST", f"/shifts/{shift_id}/start$")
    assert call.idempotency_key == f"start:{shift_id}"
    assert_each_query_answered_once(replay)


async def test_start_outside_the_window_says_when_it_opens(replay: Replay) -> None:
    world = replay.services
    end_shifts(replay, PLUMBER.id)
    user = staff(replay, PLUMBER, "uz", "Bekzod")
    tomorrow = world.shifts[SHIFTS["tomorrow"]]
    opens = fmt_datetime(tomorrow.planned_start_time - dt.timedelta(hours=1))
    turn = await replay.text(user, "Smenani boshlash")
    assert turn.text == tx(texts.START_OPENS_AT, "uz", opens=opens)
    # An old Start button for that shift: the service refuses, the alert says when.
    message = replay.telegram.bot_messages(user.chat_id)[-1]
    turn = await press_raw(replay, user, message, f"shs:{tomorrow.id}")
    assert alerts(turn) == [tx(texts.START_OPENS_AT, "uz", opens=opens)]
    assert tomorrow.status == "planned"
    assert_each_query_answered_once(replay)


async def test_end_a_shift_after_its_summary(replay: Replay) -> None:
    world = replay.services
    shift_id = SHIFTS["active"]
    user = staff(replay, PLUMBER, "ru", "Bekzod")
    turn = await replay.text(user, "Завершить смену")
    open_requests = sum(
        1
        for r in world.requests.values()
        if r.executor_user_id == PLUMBER.id
        and r.status in ("in_progress", "purchase", "clarification")
    )
    start = fmt_datetime(world.shifts[shift_id].start_time)
    assert turn.text == tx(
        texts.END_SUMMARY, "ru", shift_id=shift_id, start=start, open_requests=open_requests, pool=1
    )
    kept = await replay.press(user, "Нет, продолжить")
    assert kept.text == tx(texts.END_KEPT, "ru")
    assert world.shifts[shift_id].status == "active"

    await replay.text(user, "Завершить смену")
    summary = replay.telegram.bot_messages(user.chat_id)[-1]
    turn = await replay.press(user, "Да, завершить")
    assert turn.text == tx(texts.ENDED, "ru", shift_id=shift_id)
    assert "Начать смену" in flat_keyboard(turn.markup())
    assert world.shifts[shift_id].status == "completed"
    ended_at = world.shifts[shift_id].end_time
    # A second tap on the confirm: the same key, so the service replays its answer.
    again = await press_raw(replay, user, summary, f"shx:{shift_id}")
    assert again.text == tx(texts.ENDED, "ru", shift_id=shift_id)
    assert world.shifts[shift_id].end_time == ended_at
    keys = [c.idempotency_key for c in service_calls(replay, "shift", "POST", "/end$")]
    assert keys == [f"end:{shift_id}", f"end:{shift_id}"]
    nothing = await replay.text(user, "Завершить смену")
    assert nothing.texts == [tx(texts.END_NONE, "ru")]
    assert_each_query_answered_once(replay)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_schedule_by_week_for_executor_and_manager(replay: Replay, language: str) -> None:
    world = replay.services
    today = world.clock.today()
    monday = today - dt.timedelta(days=today.weekday())
    sunday = monday + dt.timedelta(days=6)
    title = tx(texts.SCHEDULE_TITLE, language, start=f"{monday:%d.%m.%Y}", end=f"{sunday:%d.%m.%Y}")
    plumber = staff(replay, PLUMBER, language, "Bekzod")
    turn = await replay.command(plumber, "shift_schedule")
    assert turn.text.startswith(title)
    assert "Bekzod" not in turn.text  # an executor's own week: no names
    week = await replay.press(plumber, tx(texts.BTN_NEXT_WEEK, language))
    assert week.methods == ["answerCallbackQuery", "editMessageText"]
    next_monday = monday + dt.timedelta(days=7)
    assert f"{next_monday:%d.%m.%Y}" in week.text.splitlines()[0]

    manager = staff(replay, MANAGER, language, "Nodira")
    turn = await replay.text(manager, tx(ui_texts.BTN_SCHEDULE, language))
    assert turn.text.startswith(title)
    this_week = [
        s
        for s in world.shifts.values()
        if monday <= s.planned_start_time.astimezone(TASHKENT).date() <= sunday
    ]
    assert turn.text.count(" · ") >= 3 * len(this_week)
    if any(s.executor_user_id == PLUMBER.id for s in this_week):
        assert "Bekzod Tursunov" in turn.text
    if any(s.executor_user_id is None for s in this_week):
        assert tx(texts.SCHEDULE_OPEN, language) in turn.text
    back = await replay.press(manager, tx(texts.BTN_PREV_WEEK, language))
    assert f"{monday - dt.timedelta(days=7):%d.%m.%Y}" in back.text.splitlines()[0]

    dated = await replay.command(manager, "shift_schedule", "01.01.2025")
    assert dated.text.startswith(
        tx(texts.SCHEDULE_TITLE, language, start="30.12.2024", end="05.01.2025")
    )
    bad = await replay.command(manager, "shift_schedule", "someday")
    assert bad.text == tx(texts.SCHEDULE_BAD_DATE, language)
    assert_each_query_answered_once(replay)


async def test_schedule_and_end_shift_follow_the_gateway_clock(replay: Replay) -> None:
    """The fakes' clock three weeks ahead of the system's: the default week of the schedule and
    the shift running now (End shift) are the fakes' ones, not the system clock's."""
    world = replay.services
    world.clock.advance(21 * 86400)  # whole days: still business hours
    today = world.clock.today()
    assert today - dt.datetime.now(TASHKENT).date() >= dt.timedelta(days=20)
    monday = today - dt.timedelta(days=today.weekday())
    sunday = monday + dt.timedelta(days=6)
    title = tx(texts.SCHEDULE_TITLE, "ru", start=f"{monday:%d.%m.%Y}", end=f"{sunday:%d.%m.%Y}")
    manager = staff(replay, MANAGER, "ru", "Nodira")
    assert (await replay.command(manager, "shift_schedule")).text.startswith(title)

    end_shifts(replay, PLUMBER.id)
    running = put_on_shift(replay, PLUMBER.id, ["plumbing"])
    user = staff(replay, PLUMBER, "ru", "Bekzod")
    turn = await replay.text(user, "Завершить смену")
    start = fmt_datetime(running.start_time)
    summary = tx(texts.END_SUMMARY, "ru", shift_id=running.id, start=start, open_requests=0, pool=0)
    assert turn.text.splitlines()[:2] == summary.splitlines()[:2]


async def test_shift_commands_are_refused_for_other_roles(replay: Replay) -> None:
    resident = staff(replay, RESIDENT, "uz", "Aziz")
    for command in ("my_shifts", "take_shift", "shift_schedule"):
        turn = await replay.command(resident, command)
        assert turn.texts == [tx(runtime_texts.ROLE_REFUSED, "uz")], command
    manager = staff(replay, MANAGER, "ru", "Nodira")
    assert (await replay.command(manager, "take_shift")).texts == [
        tx(runtime_texts.ROLE_REFUSED, "ru")
    ]
    assert (await replay.text(manager, "Начать смену")).texts == [
        tx(runtime_texts.ROLE_REFUSED, "ru")
    ]
    pending = staff(replay, PENDING_EXECUTOR, "uz", "Otabek")
    assert (await replay.command(pending, "my_shifts")).texts == [
        tx(runtime_texts.AWAITING_APPROVAL, "uz")
    ]
    # An executor without specializations is told so instead of an empty list.
    replay.services.users[MULTI_ROLE.id].active_role = "executor"
    replay.services.users[MULTI_ROLE.id].specializations = []
    multi = staff(replay, MULTI_ROLE, "ru", "Shahzoda")
    assert (await replay.command(multi, "take_shift")).texts == [tx(texts.NO_SPECIALIZATIONS, "ru")]
    assert service_calls(replay, "shift", "POST", "/assign$") == []
