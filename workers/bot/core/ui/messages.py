"""Sending and editing: lists and cards are edited in place; long texts are split.

:func:`edit_or_send` edits the message a button belongs to (paging, filters, card refreshes) and
sends a new one when that is impossible (the message is too old, was deleted, or the event is a
text message). Telegram's "message is not modified" (the same page tapped twice) is not an error.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from shared.logs import get_logger
from workers.bot.core.ui import texts
from workers.bot.core.ui.answers import answer_query, is_query_too_old
from workers.bot.core.ui.i18n import tr
from workers.bot.core.ui.split import TEXT_LIMIT, split_html

__all__ = [
    "answer_query",
    "answer_stale",
    "edit_or_send",
    "is_not_modified",
    "is_query_too_old",
    "send_long",
]

log = get_logger(__name__)

ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply
_CANNOT_EDIT = (
    "message can't be edited",
    "message to edit not found",
    "there is no text in the message to edit",
    "message can't be found",
)


def is_not_modified(exc: TelegramBadRequest) -> bool:
    return "message is not modified" in exc.message


async def edit_or_send(
    event: CallbackQuery | Message,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Message | None:
    """Show ``text`` in place of the callback's message, else as a new message in the chat.

    Returns the message shown (``None`` when the edit changed nothing or the chat is unknown).
    The callback query itself is not answered here (the callback-answer middleware does that).
    """
    message = event.message if isinstance(event, CallbackQuery) else None
    if isinstance(message, Message):
        try:
            edited = await message.edit_text(text, reply_markup=reply_markup)
        except TelegramBadRequest as exc:
            if is_not_modified(exc):
                return None
            if not any(reason in exc.message for reason in _CANNOT_EDIT):
                raise
            log.info("edit_fell_back_to_send", reason=exc.message[:80])
        else:
            return edited if isinstance(edited, Message) else message
    if isinstance(event, Message):
        return await event.answer(text, reply_markup=reply_markup)
    if event.message is not None:
        bot = event.bot
        assert bot is not None
        return await bot.send_message(event.message.chat.id, text, reply_markup=reply_markup)
    return None


async def send_long(
    bot: Bot,
    chat_id: int,
    text: str,
    reply_markup: ReplyMarkup | None = None,
    *,
    limit: int = TEXT_LIMIT,
) -> list[Message]:
    """Send ``text`` in parts under ``limit`` (tags kept whole); the markup goes on the last."""
    parts = split_html(text, limit)
    sent: list[Message] = []
    for index, part in enumerate(parts):
        markup = reply_markup if index == len(parts) - 1 else None
        sent.append(await bot.send_message(chat_id, part, reply_markup=markup))
    return sent


async def answer_stale(query: CallbackQuery, locale: str | None = None) -> None:
    """The short localized "this button is outdated" alert (the query's one answer)."""
    await answer_query(query, tr(texts.OUTDATED, locale), show_alert=True)
