"""A form put aside: its FSM state and data, kept while the user runs another command.

:func:`park` takes the chat out of its step and keeps what the step had under :data:`PARKED` in
the FSM data (Redis, with the FSM's TTL); :func:`parked` reads it back and :func:`unpark`
restores it. A flow that starts afresh replaces the FSM data and with it anything parked.

After the command has run, the user is offered the form back (:func:`offer_markup`:
**Continue** / **Delete draft**, :class:`ParkedCB`). Continue restores the step and shows it
again: a feature registers how with :func:`register_resumer` for its states group; a flow
without one gets the generic "send your answer to the last question".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final, Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from workers.bot.core.ui import texts
from workers.bot.core.ui.i18n import tr

__all__ = [
    "PARKED",
    "ParkedCB",
    "Resumer",
    "leave_beside",
    "offer_markup",
    "park",
    "parked",
    "register_resumer",
    "resumer_for",
    "step_beside",
    "unpark",
]

PARKED: Final = "parked"

# (the query that asked for it, the FSM context now back in ``step``, the step's name) -> shown
Resumer = Callable[[CallbackQuery, FSMContext, str], Awaitable[bool]]
_RESUMERS: dict[str, Resumer] = {}


class ParkedCB(CallbackData, prefix="pk"):
    act: Literal["go", "no"]


async def park(state: FSMContext, step: str) -> None:
    """Leave ``step``; its data (if any) is kept for :func:`unpark`.

    A step with no data of its own that was entered beside a parked form (the number step of
    /request_status typed mid-form) leaves that form parked: the form is what the user would
    lose, the bare step has nothing to keep."""
    data = await state.get_data()
    older = data.pop(PARKED, None)
    await state.set_state(None)
    if data:
        await state.set_data({PARKED: {"state": step, "data": data}})
    else:
        await state.set_data({PARKED: older} if isinstance(older, dict) else {})


async def step_beside(state: FSMContext, step: State) -> None:
    """Enter ``step`` (one without data of its own) keeping a parked form parked."""
    kept = await parked(state)
    await state.set_state(step)
    await state.set_data({PARKED: kept} if kept is not None else {})


async def leave_beside(state: FSMContext) -> bool:
    """Leave a step entered with :func:`step_beside`; whether a parked form waits (offer it)."""
    kept = (await state.get_data()).get(PARKED)
    await state.set_state(None)
    if isinstance(kept, dict) and isinstance(kept.get("state"), str):
        await state.set_data({PARKED: kept})
        return True
    await state.set_data({})
    return False


async def parked(state: FSMContext) -> dict[str, Any] | None:
    """``{"state": …, "data": …}`` of the form put aside, if any (and the chat is idle)."""
    if await state.get_state() is not None:
        return None
    value = (await state.get_data()).get(PARKED)
    return value if isinstance(value, dict) and isinstance(value.get("state"), str) else None


async def unpark(state: FSMContext) -> str | None:
    """Back into the parked step with its data; returns the step (``None`` when nothing)."""
    value = await parked(state)
    if value is None:
        return None
    data = value.get("data")
    await state.set_state(value["state"])
    await state.set_data(data if isinstance(data, dict) else {})
    return str(value["state"])


def offer_markup(locale: str | None = None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=tr(texts.BTN_PARKED_CONTINUE, locale),
                    callback_data=ParkedCB(act="go").pack(),
                ),
                InlineKeyboardButton(
                    text=tr(texts.BTN_PARKED_DISCARD, locale),
                    callback_data=ParkedCB(act="no").pack(),
                ),
            ]
        ]
    )


def register_resumer(group: str, resumer: Resumer) -> None:
    """How the flow of states group ``group`` (``"CreateRequest"``) shows a restored step."""
    _RESUMERS[group] = resumer


def resumer_for(step: str) -> Resumer | None:
    return _RESUMERS.get(step.split(":", 1)[0])
