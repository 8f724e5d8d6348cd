"""/shift_schedule: one week per message (Monday to Sunday, Asia/Tashkent), ◀ ▶ edit it in place.

An executor sees their own shifts (S1); a manager or admin sees everyone's (S2, with the
executors' names from U10 and open shifts marked). ``/shift_schedule 15.01.2025`` opens the week
of that day, without one the week of today by the gateway's clock (:mod:`shared.clock`: the
fakes' one in development and tests). Each call asks for 7 days, well inside the services'
31-day limit.
"""

from __future__ import annotations

import datetime as dt

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from shared.clients import ServiceClients
from shared.clients.models import Shift
from shared.clock import Clock
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.replies import answer
from workers.bot.core.ui import texts as ui_texts
from workers.bot.core.vocabulary import is_staff_role
from workers.bot.features.shifts import render, texts
from workers.bot.features.shifts.keyboards import WeekCB

__all__ = ["monday_of", "router"]

router = Router(name="shifts-schedule")

_SCHEDULE = {"command": "shift_schedule"}
_VIEWERS = {"roles": ("executor", "manager", "admin")}
_MAX_PAGES = 5  # 500 shifts a week is far beyond a real schedule; the text is capped anyway


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _parse_day(text: str | None) -> dt.date | None:
    for fmt in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime((text or "").strip(), fmt).date()
        except ValueError:
            continue
    return None


async def _everyone(auth: AuthContext, clients: ServiceClients, monday: dt.date) -> list[Shift]:
    sunday = monday + dt.timedelta(days=6)
    shifts: list[Shift] = []
    for number in range(1, _MAX_PAGES + 1):
        page = await auth.call(
            lambda token, n=number: clients.shifts.schedule(  # type: ignore[misc]
                token, monday, sunday, page=n, size=100
            )
        )
        shifts.extend(page.items)
        if number >= page.pages:
            break
    return shifts


async def _executor_names(clients: ServiceClients) -> dict[int, str]:
    page = await clients.users.executors(size=100)
    return {
        u.id: " ".join(p for p in (u.first_name, u.last_name) if p) or (u.username or f"#{u.id}")
        for u in page.items
    }


async def _week(
    auth: AuthContext, clients: ServiceClients, monday: dt.date
) -> tuple[str, InlineKeyboardMarkup]:
    if is_staff_role(auth.active_role):
        shifts = await _everyone(auth, clients, monday)
        return render.schedule_week(shifts, monday, await _executor_names(clients))
    user_id = auth.user_id
    assert user_id is not None
    own = await auth.call(
        lambda token: clients.shifts.executor_shifts(
            token, user_id, start_date=monday, end_date=monday + dt.timedelta(days=6)
        )
    )
    return render.schedule_week(own, monday, None)


@router.message(Command("shift_schedule"), flags=_SCHEDULE)
@router.message(ui.menu_button(ui.MenuButton.SCHEDULE), flags=_SCHEDULE)
async def schedule(
    message: Message,
    auth: AuthContext,
    clients: ServiceClients,
    clock: Clock,
    command: CommandObject | None = None,
) -> None:
    day = ui.to_local(await clock.now()).date()
    if command is not None and command.args:
        asked = _parse_day(command.args)
        if asked is None:
            await message.answer(ui.tr(texts.SCHEDULE_BAD_DATE))
            return
        day = asked
    text, markup = await _week(auth, clients, monday_of(day))
    await message.answer(text, reply_markup=markup)


@router.callback_query(WeekCB.filter(), flags=_VIEWERS)
async def another_week(
    query: CallbackQuery, callback_data: WeekCB, auth: AuthContext, clients: ServiceClients
) -> None:
    day = _parse_day(callback_data.monday)
    if day is None:
        await answer(query, ui.tr(ui_texts.OUTDATED), alert=True)
        return
    await ui.edit_or_send(query, *await _week(auth, clients, monday_of(day)))
