"""/take_shift: open shifts for the executor's specializations (S3, 14 days) → one → confirm → S5.

Shifts overlapping one of the executor's own planned or active shifts (S1) are not offered.

The confirm step shows the shift as it is now (S4). Taking it is S5 for oneself with the key
``take:<shift_id>:<user_id>`` (a double tap is one call). When someone was quicker (``409
shift_taken``) or the shift went away (``409 shift_not_available``) the alert says so and the
list is refreshed in place; a specialization mismatch or an overlap with another own shift is
explained in an alert and the confirm view stays. "Now" and "today" are the gateway's clock
(:mod:`shared.clock`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from shared.clients import ServiceClients
from shared.clients.errors import ServiceConflict
from shared.clients.models import Page, Shift
from shared.clock import Clock
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.gate import EXECUTOR
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.replies import answer
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.shifts import render, texts
from workers.bot.features.shifts.keyboards import AvailableCB, PickCB, TakeCB

__all__ = ["PAGE_SIZE", "overlaps", "router"]

router = Router(name="shifts-take")

PAGE_SIZE = 5
_EXEC = {"roles": EXECUTOR}
_TAKE = {"command": "take_shift"}


# S3 is read whole (at most this many pages of 100): the overlap filter runs here, and the
# list is paged after it, so a page never comes up short.
_MAX_PAGES = 5


def overlaps(shift: Shift, own: Sequence[Shift]) -> bool:
    """The planned windows intersect (the service's ``422 shift_overlap`` rule)."""
    return any(
        shift.planned_start_time < mine.planned_end_time
        and mine.planned_start_time < shift.planned_end_time
        for mine in own
        if mine.id != shift.id
    )


async def _open_shifts(
    auth: AuthContext, clients: ServiceClients, specializations: list[str], today: dt.date
) -> list[Shift]:
    found: list[Shift] = []
    for number in range(1, _MAX_PAGES + 1):
        batch = await auth.call(
            lambda token, number=number: clients.shifts.available(  # type: ignore[misc]
                token,
                specializations=specializations,
                start_date=today,
                end_date=today + dt.timedelta(days=14),
                page=number,
                size=100,
            )
        )
        found += batch.items
        if number >= batch.pages:
            break
    return found


async def _available(
    auth: AuthContext, clients: ServiceClients, clock: Clock, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Open shifts for the executor's specializations, without those overlapping one of their
    own planned or active shifts (taking one would only end in "overlap" at the confirm)."""
    specializations = list(auth.user.specializations) if auth.user else []
    user_id = auth.user_id
    if not specializations or user_id is None:
        return ui.tr(texts.NO_SPECIALIZATIONS), None
    now = await clock.now()
    today = ui.to_local(now).date()
    # A night shift that began yesterday may still overlap today's.
    own = await auth.call(
        lambda token: clients.shifts.executor_shifts(
            token,
            user_id,
            statuses=["planned", "active"],
            start_date=today - dt.timedelta(days=1),
            end_date=today + dt.timedelta(days=15),
        )
    )
    offered = [
        s for s in await _open_shifts(auth, clients, specializations, today) if not overlaps(s, own)
    ]
    pages = -(-len(offered) // PAGE_SIZE)
    page = max(1, min(page, pages or 1))
    shown = offered[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    result = Page[Shift](items=shown, total=len(offered), page=page, size=PAGE_SIZE, pages=pages)
    return render.available_list(result, now)


@router.message(Command("take_shift"), flags=_TAKE)
@router.message(ui.menu_button(ui.MenuButton.TAKE_SHIFT), flags=_TAKE)
async def take_shift(
    message: Message, auth: AuthContext, clients: ServiceClients, clock: Clock
) -> None:
    text, markup = await _available(auth, clients, clock, 1)
    await message.answer(text, reply_markup=markup)


@router.callback_query(AvailableCB.filter(), flags=_EXEC)
async def available_page(
    query: CallbackQuery,
    callback_data: AvailableCB,
    auth: AuthContext,
    clients: ServiceClients,
    clock: Clock,
) -> None:
    await ui.edit_or_send(query, *await _available(auth, clients, clock, callback_data.page))


@router.callback_query(PickCB.filter(), flags=_EXEC)
async def pick(
    query: CallbackQuery,
    callback_data: PickCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
    clock: Clock,
) -> None:
    shift = await auth.call(lambda token: clients.shifts.get(token, callback_data.shift_id))
    if shift.status != "planned" or shift.executor_user_id not in (None, auth.user_id):
        await answer(query, ui.tr(ui_texts.ERR_SHIFT_TAKEN), alert=True)
        await ui.edit_or_send(query, *await _available(auth, clients, clock, callback_data.page))
        return
    await ui.edit_or_send(query, *render.take_confirm(shift, callback_data.page, await clock.now()))


@router.callback_query(TakeCB.filter(), flags=_EXEC)
async def take(
    query: CallbackQuery,
    callback_data: TakeCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
    clock: Clock,
) -> None:
    user_id = auth.user_id
    assert user_id is not None
    shift_id = callback_data.shift_id
    try:
        shift = await auth.call(
            lambda token: clients.shifts.take(
                token, shift_id, user_id, idempotency_key=f"take:{shift_id}:{user_id}"
            )
        )
    except ServiceConflict as exc:
        # Taken by someone else, or no longer open: say so, then show what is open now.
        text = ui_texts.ERR_SHIFT_TAKEN if exc.code == "shift_taken" else ui_texts.OUTDATED
        await answer(query, ui.tr(text), alert=True)
        await ui.edit_or_send(query, *await _available(auth, clients, clock, callback_data.page))
        return
    taken = ui.tr(
        texts.TAKEN,
        shift_id=shift.id,
        start=ui.fmt_datetime(shift.planned_start_time),
        end=ui.fmt_datetime(shift.planned_end_time),
    )
    await ui.edit_or_send(query, taken)
