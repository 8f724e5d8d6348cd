"""Pickers that know about shifts: the manager's executor picker marks who is on shift now and
puts them first; the executor's free-shift list leaves out shifts overlapping their own (the
latter is proved in ``test_shifts_take.py::test_take_an_open_shift``)."""

from __future__ import annotations

import datetime as dt

import pytest

from devkit.fakes.seed import ELECTRICIAN, MANAGER, MULTI_ROLE
from devkit.fakes.state import TASHKENT
from tests.features.executor.helpers import (
    LANGUAGES,
    assert_each_query_answered_once,
    put_on_shift,
    staff,
    toasts,
    tx,
)
from tests.replay_plugin import Replay
from workers.bot.core.ui import specialization_label
from workers.bot.features.admin import texts


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_executor_picker_puts_who_is_on_shift_first(
    replay: Replay, language: str
) -> None:
    world = replay.services
    number = world.seed_requests["new_electric"]
    manager = staff(replay, MANAGER, language, "Nodira")
    await replay.command(manager, "request_status", number)
    picker = await replay.press(manager, tx(texts.BTN_ASSIGN_EXECUTOR, language))
    # Nobody of the electricians is on shift: by name, and the picker says so.
    assert picker.buttons()[:2] == ["Sardor Rakhimov", "Shahzoda Ergasheva"]
    assert picker.text.endswith(tx(texts.PICK_NOBODY_ON_SHIFT, language))

    put_on_shift(replay, MULTI_ROLE.id, ["electrician"])
    await replay.command(manager, "request_status", number)
    picker = await replay.press(manager, tx(texts.BTN_ASSIGN_EXECUTOR, language))
    group = specialization_label("electrician", language)
    assert picker.text.startswith(tx(texts.PICK_EXECUTOR, language, number=number, group=group))
    assert picker.text.endswith(tx(texts.PICK_ON_SHIFT, language))
    assert picker.buttons()[:2] == ["🟢 Shahzoda Ergasheva", "Sardor Rakhimov"]
    turn = await replay.press(manager, "🟢 Shahzoda Ergasheva")
    assert toasts(turn) == [tx(texts.SAVED, language)]
    assert world.requests[number].executor_user_id == MULTI_ROLE.id
    assert world.requests[number].executor_user_id != ELECTRICIAN.id
    assert_each_query_answered_once(replay)


async def test_who_is_on_shift_follows_the_gateway_clock(replay: Replay) -> None:
    """The fakes' clock ten days ahead of the system's: a shift running now by that clock puts
    its executor first in the picker."""
    world = replay.services
    world.clock.advance(10 * 86400)  # whole days: still business hours
    assert world.clock.today() - dt.datetime.now(TASHKENT).date() >= dt.timedelta(days=9)
    put_on_shift(replay, MULTI_ROLE.id, ["electrician"])
    manager = staff(replay, MANAGER, "ru", "Nodira")
    await replay.command(manager, "request_status", world.seed_requests["new_electric"])
    picker = await replay.press(manager, tx(texts.BTN_ASSIGN_EXECUTOR, "ru"))
    assert picker.buttons()[:2] == ["🟢 Shahzoda Ergasheva", "Sardor Rakhimov"]
    assert picker.text.endswith(tx(texts.PICK_ON_SHIFT, "ru"))
