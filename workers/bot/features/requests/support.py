"""Small helpers the handlers share: the chat a callback belongs to, starting over when a flow's
state has lost its draft, and a typed text checked against a step's length bounds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from shared.clients import ServiceClients
from shared.logs import get_logger
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.features.requests import texts

__all__ = ["chat_of", "draft_or_lost", "flow_lost", "text_within"]

log = get_logger(__name__)

T = TypeVar("T")


def chat_of(query: CallbackQuery) -> int:
    """The chat of the pressed message (the user's private chat when it is unknown)."""
    message = query.message
    return message.chat.id if message is not None else query.from_user.id


async def flow_lost(
    message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients
) -> None:
    """A flow's state without its draft (the data expired or does not parse): start over."""
    log.warning("flow_draft_missing", state=await state.get_state())
    await state.clear()
    await message.answer(ui.tr(texts.FLOW_LOST), reply_markup=await ui.main_menu(auth, clients))


async def draft_or_lost(
    load: Callable[[FSMContext], Awaitable[T | None]],
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
) -> T | None:
    """The flow's draft read by ``load``; without one, starts over (:func:`flow_lost`)."""
    draft = await load(state)
    if draft is None:
        await flow_lost(message, state, auth, clients)
    return draft


async def text_within(message: Message, minimum: int, maximum: int) -> str | None:
    """The message's trimmed text when its length is within ``minimum``..``maximum``; otherwise
    ``None`` after telling the user which bound it missed (the step waits for another try)."""
    text = (message.text or "").strip()
    if len(text) < minimum:
        await message.answer(ui.tr(texts.TOO_SHORT, length=len(text), min=minimum))
        return None
    if len(text) > maximum:
        await message.answer(ui.tr(texts.TOO_LONG, length=len(text), max=maximum))
        return None
    return text
