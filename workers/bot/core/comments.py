"""The comment thread's entry points on every request card (applicant, executor, manager).

Cards add :func:`comments_row`; the comments feature (``workers.bot.features.comments``) handles
the buttons: **Comments** (R11, paged, oldest first, internal ones only for staff) and **Write a
comment** (R12). Callback data: ``cm:<number>:<page>`` and ``cw:<number>``.
"""

from __future__ import annotations

from typing import Final

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from pydantic import Field

from workers.bot.core.ui.i18n import tr
from workers.bot.locales import N_

__all__ = ["BTN_COMMENTS", "BTN_WRITE_COMMENT", "CommentWriteCB", "CommentsCB", "comments_row"]

NUMBER: Final = r"^\d{6}-\d{3,7}$"
BTN_COMMENTS: Final = N_("💬 Комментарии")
BTN_WRITE_COMMENT: Final = N_("✍️ Написать комментарий")


class CommentsCB(CallbackData, prefix="cm"):
    number: str = Field(pattern=NUMBER)
    page: int = Field(default=1, ge=1, le=99_999)


class CommentWriteCB(CallbackData, prefix="cw"):
    number: str = Field(pattern=NUMBER)


def comments_row(number: str, locale: str | None = None) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=tr(BTN_COMMENTS, locale), callback_data=CommentsCB(number=number).pack()
        ),
        InlineKeyboardButton(
            text=tr(BTN_WRITE_COMMENT, locale),
            callback_data=CommentWriteCB(number=number).pack(),
        ),
    ]
