"""Answering a callback query when the update may be a retry.

A handler answers its callback query first, before slow work (docs/behaviour.md §4). When that work
then fails transiently, the pipeline runs the update again, and the second answer is refused by
Telegram ("query is too old … or query ID is invalid"). That refusal must not turn a retry into a
permanent failure, so it is logged and ignored here: the user already saw the first answer.
"""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery

from shared.logs import get_logger
from workers.bot.core import ui

__all__ = ["answer", "answer_stale"]

log = get_logger(__name__)


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    try:
        await query.answer(text, show_alert=alert)
    except TelegramBadRequest as exc:
        log.info("callback_answer_skipped", reason=exc.message[:60])


async def answer_stale(query: CallbackQuery) -> None:
    """The "this button is outdated" alert, tolerant of a retry like :func:`answer`."""
    try:
        await ui.answer_stale(query)
    except TelegramBadRequest as exc:
        log.info("callback_answer_skipped", reason=exc.message[:60])
