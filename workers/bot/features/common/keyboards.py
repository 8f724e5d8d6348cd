"""Callback data and inline keyboards of the common commands (/language, Switch role)."""

from __future__ import annotations

from typing import Final, Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from workers.bot.core.ui import role_label

__all__ = ["LANGUAGE_NAMES", "LangCB", "RoleCB", "language_keyboard", "role_keyboard"]

# Each language named in itself, the same for every reader (so not translated).
LANGUAGE_NAMES: Final = {"ru": "Русский", "uz": "O'zbekcha"}


class LangCB(CallbackData, prefix="lang"):
    """``lang:uz``."""

    code: Literal["ru", "uz"]


class RoleCB(CallbackData, prefix="role"):
    """``role:executor``: make this role the active one (U8)."""

    role: Literal["applicant", "executor", "manager", "admin"]


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=name, callback_data=LangCB(code=code).pack())
                for code, name in LANGUAGE_NAMES.items()
            ]
        ]
    )


def role_keyboard(roles: list[str], locale: str | None = None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=role_label(role, locale), callback_data=RoleCB(role=role).pack()
                )
            ]
            for role in roles
        ]
    )
