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
from workers.bot.features.requests import texts
from workers.bot.features.requests.card import VIEW_FLAGS, show_card
from workers.bot.features.requests.card_data import load_card
from workers.bot.features.requests.filters import FlowInput
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
    if await state.get_state() == StatusLookup.number.state:
        await state.clear()  # the number came; a flow in progress elsewhere is left alone
    await show_card(message, await load_card(clients, auth, number), number, Back())


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
    await state.set_state(StatusLookup.number)
    await state.set_data({})
    await message.answer(ui.tr(texts.ASK_NUMBER, example=EXAMPLE))


@router.message(StatusLookup.number, F.text, FlowInput(), flags=VIEW_FLAGS)
async def on_number(
    message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients
) -> None:
    if auth.user is None:
        return
    await _lookup(message, state, auth, clients, message.text or "")


@router.message(StatusLookup.number, FlowInput(), flags=VIEW_FLAGS)
async def on_number_not_text(message: Message) -> None:
    await message.answer(ui.tr(texts.ASK_NUMBER, example=EXAMPLE))
