"""Answering a callback query: one answer per query (see :mod:`workers.bot.core.ui.answers`).

The callback-answer middleware answers every query within its deadline; these helpers give the
answer a text. A text that comes after the answer was sent (a retried update, a slow handler) is
not a second answer: an alert goes to the chat as a message, a toast is dropped.
"""

from __future__ import annotations

from aiogram.types import CallbackQuery

from workers.bot.core import ui

__all__ = ["answer", "answer_stale"]


async def answer(query: CallbackQuery, text: str | None = None, *, alert: bool = False) -> None:
    await ui.answer_query(query, text, show_alert=alert)


async def answer_stale(query: CallbackQuery) -> None:
    """The "this button is outdated" alert."""
    await ui.answer_stale(query)
