"""Shifts: /my_shifts with shift cards, start and end of a shift, and the menu buttons for them.

/take_shift and /shift_schedule are in their own modules (included here). Every list is one
message edited in place; starting or ending a shift also re-sends the main menu, whose last
executor button switches between Start shift and End shift.

"Now" and "today" are the gateway's clock (:mod:`shared.clock`: the fakes' one in development and
tests), as for everything else that depends on the time of day.
"""

from __future__ import annotations

import datetime as dt

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from shared.clients import ServiceClients
from shared.clients.errors import ValidationFailed
from shared.clients.models import Shift, ShiftStatus
from shared.clock import Clock
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.gate import EXECUTOR
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.replies import answer, report_failure, say
from workers.bot.core.service_errors import report_service_errors
from workers.bot.core.shift_check import active_shifts
from workers.bot.core.ui import texts as ui_texts
from workers.bot.core.vocabulary import WORK_STATUSES
from workers.bot.features.shifts import render, schedule, take, texts
from workers.bot.features.shifts.keyboards import (
    EndAskCB,
    EndCB,
    KeepCB,
    MyShiftsCB,
    ShiftCB,
    StartCB,
)

__all__ = ["router"]

router = Router(name="shifts")
report_service_errors(router, __package__)
router.include_router(take.router)
router.include_router(schedule.router)

_EXEC = {"roles": EXECUTOR}
_MY_SHIFTS = {"command": "my_shifts"}


async def _own_shifts(
    auth: AuthContext,
    clients: ServiceClients,
    start: dt.date,
    end: dt.date,
    statuses: tuple[ShiftStatus, ...] = (),
) -> list[Shift]:
    user_id = auth.user_id
    assert user_id is not None
    return await auth.call(
        lambda token: clients.shifts.executor_shifts(
            token,
            user_id,
            statuses=statuses,
            start_date=start,
            end_date=end,
        )
    )


async def _my_shifts_view(
    auth: AuthContext, clients: ServiceClients, clock: Clock
) -> tuple[str, InlineKeyboardMarkup | None]:
    now = await clock.now()
    today = ui.to_local(now).date()
    end = today + dt.timedelta(days=7)
    shifts = await _own_shifts(auth, clients, today, end)
    return render.my_shifts(shifts, today, end, now)


@router.message(Command("my_shifts"), flags=_MY_SHIFTS)
@router.message(ui.menu_button(ui.MenuButton.MY_SHIFTS), flags=_MY_SHIFTS)
async def my_shifts(
    message: Message, auth: AuthContext, clients: ServiceClients, clock: Clock
) -> None:
    text, markup = await _my_shifts_view(auth, clients, clock)
    await message.answer(text, reply_markup=markup)


@router.callback_query(MyShiftsCB.filter(), flags=_EXEC)
async def my_shifts_again(
    query: CallbackQuery, auth: AuthContext, clients: ServiceClients, clock: Clock
) -> None:
    text, markup = await _my_shifts_view(auth, clients, clock)
    await ui.edit_or_send(query, text, markup)


@router.callback_query(ShiftCB.filter(), flags=_EXEC)
async def shift_card(
    query: CallbackQuery,
    callback_data: ShiftCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
    clock: Clock,
) -> None:
    shift = await auth.call(lambda token: clients.shifts.get(token, callback_data.shift_id))
    own = shift.executor_user_id == auth.user_id
    await ui.edit_or_send(query, *render.shift_card(shift, await clock.now(), own=own))


@router.message(ui.menu_button(ui.MenuButton.START_SHIFT), flags=_EXEC)
async def start_shift_menu(
    message: Message, auth: AuthContext, clients: ServiceClients, clock: Clock
) -> None:
    now = await clock.now()
    today = ui.to_local(now).date()
    planned = await _own_shifts(
        auth, clients, today - dt.timedelta(days=1), today + dt.timedelta(days=7), ("planned",)
    )
    ready = [s for s in planned if render.can_start(s, now)]
    if ready:
        text, markup = render.pick_list(ui.tr(texts.START_PICK), ready, StartCB)
        await message.answer(text, reply_markup=markup)
    elif upcoming := [render.opens_at(s) for s in planned if s.planned_end_time > now]:
        opens = ui.fmt_datetime(min(upcoming))
        await message.answer(ui.tr(texts.START_OPENS_AT, opens=opens))
    else:
        await message.answer(ui.tr(texts.START_NONE))


@router.callback_query(StartCB.filter(), flags=_EXEC)
async def start_shift(
    query: CallbackQuery,
    callback_data: StartCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
    clock: Clock,
) -> None:
    shift_id = callback_data.shift_id
    try:
        shift = await auth.call(lambda token: clients.shifts.start(token, shift_id))
    except ValidationFailed as exc:
        if exc.code != "outside_shift_window":
            await report_failure(query, exc, gateway_settings)
            return
        current = await auth.call(lambda token: clients.shifts.get(token, shift_id))
        opens = ui.fmt_datetime(render.opens_at(current))
        await answer(query, ui.tr(texts.START_OPENS_AT, opens=opens), alert=True)
        return
    await ui.edit_or_send(query, *render.shift_card(shift, await clock.now(), own=True))
    end = ui.fmt_datetime(shift.planned_end_time)
    started = ui.tr(texts.STARTED, shift_id=shift.id, end=end)
    await say(query, started, reply_markup=await ui.main_menu(auth, clients))


@router.message(ui.menu_button(ui.MenuButton.END_SHIFT), flags=_EXEC)
async def end_shift_menu(
    message: Message, auth: AuthContext, clients: ServiceClients, clock: Clock
) -> None:
    running = await active_shifts(auth, clients, clock)
    if not running:
        await message.answer(ui.tr(texts.END_NONE), reply_markup=await ui.main_menu(auth, clients))
    elif len(running) == 1:
        text, markup = await _end_summary(running[0], auth, clients)
        await message.answer(text, reply_markup=markup)
    else:
        text, markup = render.pick_list(ui.tr(texts.END_PICK), running, EndAskCB)
        await message.answer(text, reply_markup=markup)


async def _end_summary(
    shift: Shift, auth: AuthContext, clients: ServiceClients
) -> tuple[str, InlineKeyboardMarkup | None]:
    user_id = auth.user_id
    assert user_id is not None
    mine = await clients.requests.list_requests(
        executor_user_id=user_id, statuses=list(WORK_STATUSES), size=1
    )
    pool = await clients.requests.pool(user_id, size=1)
    return render.end_summary(shift, mine.total, pool.total)


@router.callback_query(EndAskCB.filter(), flags=_EXEC)
async def end_shift_ask(
    query: CallbackQuery,
    callback_data: EndAskCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    shift = await auth.call(lambda token: clients.shifts.get(token, callback_data.shift_id))
    if shift.status != "active" or shift.executor_user_id != auth.user_id:
        await answer(query, ui.tr(ui_texts.ERR_SHIFT_STATE), alert=True)
        return
    text, markup = await _end_summary(shift, auth, clients)
    await ui.edit_or_send(query, text, markup)


@router.callback_query(EndCB.filter(), flags=_EXEC)
async def end_shift(
    query: CallbackQuery,
    callback_data: EndCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
    clock: Clock,
) -> None:
    shift_id = callback_data.shift_id
    shift = await auth.call(lambda token: clients.shifts.end(token, shift_id))
    await ui.edit_or_send(query, *render.shift_card(shift, await clock.now(), own=True))
    ended = ui.tr(texts.ENDED, shift_id=shift.id)
    await say(query, ended, reply_markup=await ui.main_menu(auth, clients))


@router.callback_query(KeepCB.filter(), flags=_EXEC)
async def keep_shift(query: CallbackQuery) -> None:
    await ui.edit_or_send(query, ui.tr(texts.END_KEPT))
