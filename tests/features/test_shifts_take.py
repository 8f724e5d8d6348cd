"""/take_shift: open shifts for the executor's specializations → confirm → S5, and every way it
can go wrong: taken by someone else, no longer open, an overlap, a specialization mismatch, and
two executors racing for the same shift."""

from __future__ import annotations

import pytest

from devkit.fakes.seed import ELECTRICIAN, PLUMBER, SHIFTS
from devkit.fakes.state import TASHKENT
from tests.features.executor.helpers import (
    LANGUAGES,
    alerts,
    assert_each_query_answered_once,
    press_raw,
    service_calls,
    staff,
    tx,
)
from tests.replay_plugin import Replay
from workers.bot.core.ui import fmt_datetime
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.shifts import texts


def shift_button(replay: Replay, key: str) -> str:
    shift = replay.services.shifts[SHIFTS[key]]
    start = shift.planned_start_time.astimezone(TASHKENT)
    end = shift.planned_end_time.astimezone(TASHKENT)
    return f"{start:%d.%m} {start:%H:%M}–{end:%H:%M}"


@pytest.mark.parametrize("language", LANGUAGES)
async def test_take_an_open_shift(replay: Replay, language: str) -> None:
    world = replay.services
    shift = world.shifts[SHIFTS["open_plumbing"]]
    user = staff(replay, PLUMBER, language, "Bekzod")
    turn = await replay.text(user, tx(ui_texts.BTN_TAKE_SHIFT, language))
    # Plumbing+heating and universal shifts; not the electrician's, and not the plumbing one that
    # overlaps his own shift tomorrow (offering it would only end in "overlap" at the confirm).
    assert turn.text.startswith(tx(texts.TAKE_TITLE, language, total=2))
    assert shift_button(replay, "open_electric") not in turn.buttons()
    assert shift_button(replay, "open_overlap") not in turn.buttons()
    turn = await replay.press(user, shift_button(replay, "open_plumbing"))
    assert turn.buttons() == [tx(texts.BTN_TAKE, language), tx(texts.BTN_BACK, language)]
    turn = await replay.press(user, tx(texts.BTN_TAKE, language))
    assert turn.text == tx(
        texts.TAKEN,
        language,
        shift_id=shift.id,
        start=fmt_datetime(shift.planned_start_time),
        end=fmt_datetime(shift.planned_end_time),
    )
    assert shift.executor_user_id == PLUMBER.id
    [call] = service_calls(replay, "shift", "POST", f"/shifts/{shift.id}/assign$")
    assert call.idempotency_key == f"take:{shift.id}:{PLUMBER.id}"
    assert call.body["executor_user_id"] == PLUMBER.id

    # An older list's button for the overlapping one: explained at Take, not taken.
    listing = await replay.command(user, "take_shift")
    assert shift_button(replay, "open_overlap") not in listing.buttons()
    message = replay.telegram.bot_messages(user.chat_id)[-1]
    await press_raw(replay, user, message, f"shp:{SHIFTS['open_overlap']}:1")
    turn = await replay.press(user, tx(texts.BTN_TAKE, language))
    assert alerts(turn) == [tx(ui_texts.ERR_SHIFT_OVERLAP, language)]
    assert world.shifts[SHIFTS["open_overlap"]].executor_user_id is None
    assert_each_query_answered_once(replay)


async def test_taken_gone_and_mismatched_shifts(replay: Replay) -> None:
    world = replay.services
    user = staff(replay, PLUMBER, "uz", "Bekzod")
    universal = world.shifts[SHIFTS["open_universal"]]
    await replay.command(user, "take_shift")
    await replay.press(user, shift_button(replay, "open_universal"))
    universal.executor_user_id = ELECTRICIAN.id  # someone was quicker
    turn = await replay.press(user, tx(texts.BTN_TAKE, "uz"))
    assert alerts(turn) == [tx(ui_texts.ERR_SHIFT_TAKEN, "uz")]
    assert turn.methods[-1] == "editMessageText"  # the list, refreshed in place
    assert shift_button(replay, "open_universal") not in turn.buttons()
    assert universal.executor_user_id == ELECTRICIAN.id

    plumbing = world.shifts[SHIFTS["open_plumbing"]]
    await replay.press(user, shift_button(replay, "open_plumbing"))
    plumbing.status = "cancelled"
    turn = await replay.press(user, tx(texts.BTN_TAKE, "uz"))
    assert alerts(turn) == [tx(ui_texts.OUTDATED, "uz")]
    assert plumbing.executor_user_id is None

    overlap = world.shifts[SHIFTS["open_overlap"]]
    await replay.command(user, "take_shift")
    message = replay.telegram.bot_messages(user.chat_id)[-1]
    await press_raw(replay, user, message, f"shp:{overlap.id}:1")
    world.users[PLUMBER.id].specializations = ["electrician"]
    turn = await replay.press(user, tx(texts.BTN_TAKE, "uz"))
    assert alerts(turn) == [tx(ui_texts.ERR_SPECIALIZATION_MISMATCH, "uz")]
    assert overlap.executor_user_id is None
    assert_each_query_answered_once(replay)


async def test_two_executors_take_the_same_shift_one_wins(replay: Replay) -> None:
    world = replay.services
    shift = world.shifts[SHIFTS["open_universal"]]  # universal: both may take it
    first = staff(replay, PLUMBER, "ru", "Bekzod")
    second = staff(replay, ELECTRICIAN, "uz", "Sardor")
    for user in (first, second):
        await replay.command(user, "take_shift")
        await replay.press(user, shift_button(replay, "open_universal"))
    calls_before = len(replay.telegram.calls)
    result = await replay.run(
        [first.press_button("Взять смену"), second.press_button("Smenani olish")]
    )
    assert not result.dead_lettered
    winner = shift.executor_user_id
    assert winner in (PLUMBER.id, ELECTRICIAN.id)
    loser_language = "uz" if winner == PLUMBER.id else "ru"
    answers = [
        c.params
        for c in replay.telegram.calls[calls_before:]
        if c.method == "answerCallbackQuery" and c.ok
    ]
    assert [a.get("text") for a in answers if a.get("show_alert")] == [
        tx(ui_texts.ERR_SHIFT_TAKEN, loser_language)
    ]
    assigns = service_calls(replay, "shift", "POST", f"/shifts/{shift.id}/assign$")
    assert sorted(c.status or 0 for c in assigns) == [200, 409]
    assert_each_query_answered_once(replay)
