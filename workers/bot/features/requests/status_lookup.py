"""/request_status: ``/request_status 250114-007``, or the command alone and then the number.

The number's format is checked first (``^\\d{6}-\\d{3,}$``); R5 then answers with the viewer's
visibility, and "not found" and "not visible" read the same.
"""

from __future__ import annotations

import re
from typing import Final

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from shared.clients import ServiceClients
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.parked import leave_beside, offer_markup, step_beside
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.requests import texts
from workers.bot.features.requests.card import VIEW_FLAGS, open_card
from workers.bot.features.requests.keyboards import Back
from workers.bot.features.requests.states import StatusLookup

__all__ = ["NUMBER_RE", "router"]

router = Router(name="requests.status_lookup")

NUMBER_RE: Final = re.compile(r"^\d{6}-\d{3,}$")
EXAMPLE: Final = "250114-007"


async def _lookup(
    message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients, raw: str
) -> None:
    number = raw.strip().lstrip("№").strip()
    if not NUMBER_RE.match(number):
        await state.set_state(StatusLookup.number)
        await message.answer(ui.tr(texts.BAD_NUMBER, example=EXAMPLE))
        return
    offer = False
    if await state.get_state() == StatusLookup.number.state:
        # The number came; a form parked when /request_status was typed in it stays parked.
        offer = await leave_beside(state)
    await open_card(message, auth, clients, number, Back())
    if offer:
        await message.answer(ui.tr(ui_texts.PARKED_OFFER), reply_markup=offer_markup())


@router.message(Command("request_status"), flags=VIEW_FLAGS)
async def on_request_status(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
) -> None:
    if auth.user is None:
        return
    if command.args and command.args.strip():
        await _lookup(message, state, auth, clients, command.args)
        return
    # A request form left by typing /request_status in it stays parked through the number step.
    await step_beside(state, StatusLookup.number)
    await message.answer(ui.tr(texts.ASK_NUMBER, example=EXAMPLE))


@router.message(StatusLookup.number, F.text, ui.FlowInput(), flags=VIEW_FLAGS)
async def on_number(
    message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients
) -> None:
    if auth.user is None:
        return
    await _lookup(message, state, auth, clients, message.text or "")


@router.message(StatusLookup.number, ui.FlowInput(), flags=VIEW_FLAGS)
async def on_number_not_text(message: Message) -> None:
    await message.answer(ui.tr(texts.ASK_NUMBER, example=EXAMPLE))
