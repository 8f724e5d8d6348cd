"""Answers the staff features share (executor, shifts, admin).

- :func:`answer` gives the query's one answer a text (the callback-answer middleware answers every
  query in time); an alert that comes too late for the answer is sent to the chat instead.
- :func:`report_failure` turns a permanent service error into its one localized sentence (alert
  for a button, message for text) and re-raises transient ones, so the pipeline retries the
  update and, when it gives up, the runtime apologises.
"""

from __future__ import annotations

import secrets

from aiogram.types import CallbackQuery, Message, ReplyKeyboardMarkup, ReplyKeyboardRemove

from shared.logs import get_logger
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.ui import answer_query, error_message, is_transient, support_contact

__all__ = ["answer", "new_draft_id", "report_failure", "say"]

log = get_logger(__name__)


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    """The query's one answer (:mod:`workers.bot.core.ui.answers`); a late alert: a message."""
    await answer_query(query, text, show_alert=alert)


async def say(
    event: CallbackQuery | Message,
    text: str,
    reply_markup: ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
) -> None:
    """``text`` as a new message in the event's chat (a callback is not answered here)."""
    if isinstance(event, Message):
        await event.answer(text, reply_markup=reply_markup)
    elif isinstance(event.message, Message):
        await event.message.answer(text, reply_markup=reply_markup)


async def report_failure(
    event: CallbackQuery | Message,
    exc: Exception,
    store: GatewaySettingsStore | None,
) -> None:
    """One sentence for a permanent error; a transient one goes back to the pipeline."""
    if is_transient(exc):
        raise exc
    text = error_message(exc, support=await support_contact(store))
    log.info("service_error_reported", error=type(exc).__name__, code=getattr(exc, "code", None))
    if isinstance(event, CallbackQuery):
        await answer(event, text, alert=True)
    else:
        await event.answer(text)


def new_draft_id() -> str:
    """The id of a multi-step form, kept in FSM data; its write uses ``draft:<id>``."""
    return secrets.token_hex(8)
