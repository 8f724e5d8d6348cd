"""Callback data and keyboards of onboarding.

``ob:r`` / ``ob:e``: resident or employee. ``ap:<act>:<yard>:<building>:<page>:<yard page>:
<building page>:<apartment>`` drives the apartment picker, one message edited in place: act ``y``
lists yards, ``b`` a yard's buildings, ``a`` a building's apartments, ``s`` asks to confirm one,
``c`` confirms. The pages of the levels above ride along so Back and the confirmation can name
them without a lookup of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
)

from workers.bot.core.onboarding import ApCB, missing_keyboard
from workers.bot.core.ui import pager_row, tr, truncate
from workers.bot.features.onboarding import texts

__all__ = [
    "PAGE_SIZE",
    "ApCB",
    "WhoCB",
    "apartment_keyboard",
    "building_keyboard",
    "confirm_keyboard",
    "missing_keyboard",
    "who_keyboard",
    "yard_keyboard",
]

PAGE_SIZE: Final = 8
_LABEL_LIMIT: Final = 40


class WhoCB(CallbackData, prefix="ob"):
    """``ob:r`` resident, ``ob:e`` employee."""

    who: Literal["r", "e"]


def who_keyboard(locale: str | None = None) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=tr(texts.BTN_RESIDENT, locale), callback_data=WhoCB(who="r").pack()
                ),
                InlineKeyboardButton(
                    text=tr(texts.BTN_EMPLOYEE, locale), callback_data=WhoCB(who="e").pack()
                ),
            ]
        ]
    )


def _grid(buttons: list[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]


def _back(data: ApCB, locale: str | None) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=tr(texts.BTN_BACK, locale), callback_data=data.pack())]


def yard_keyboard(
    yards: Sequence[tuple[int, str]], page: int, pages: int, locale: str | None = None
) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=truncate(name, _LABEL_LIMIT), callback_data=ApCB(a="b", y=yard_id, yp=page).pack()
        )
        for yard_id, name in yards
    ]
    rows = _grid(buttons, 2)
    pager = pager_row(page, pages, lambda p: ApCB(a="y", p=p), locale)
    if pager:
        rows.append(pager)
    return InlineKeyboardMarkup(inline_keyboard=rows)


def building_keyboard(
    yard_id: int,
    yard_page: int,
    buildings: Sequence[tuple[int, str]],
    page: int,
    pages: int,
    locale: str | None = None,
) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            text=truncate(address, _LABEL_LIMIT),
            callback_data=ApCB(a="a", y=yard_id, b=building_id, yp=yard_page, bp=page).pack(),
        )
        for building_id, address in buildings
    ]
    rows = _grid(buttons, 1)
    pager = pager_row(page, pages, lambda p: ApCB(a="b", y=yard_id, p=p, yp=yard_page), locale)
    if pager:
        rows.append(pager)
    rows.append(_back(ApCB(a="y", p=yard_page), locale))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def apartment_keyboard(
    at: ApCB,
    apartments: Sequence[tuple[int, str]],
    page: int,
    pages: int,
    locale: str | None = None,
) -> InlineKeyboardMarkup:
    """``at``: the building's ``ApCB`` (yard, building and the pages above)."""
    buttons = [
        InlineKeyboardButton(
            text=truncate(number, 16),
            callback_data=ApCB(
                a="s", y=at.y, b=at.b, p=page, yp=at.yp, bp=at.bp, apt=apartment_id
            ).pack(),
        )
        for apartment_id, number in apartments
    ]
    rows = _grid(buttons, 4)
    pager = pager_row(
        page, pages, lambda p: ApCB(a="a", y=at.y, b=at.b, p=p, yp=at.yp, bp=at.bp), locale
    )
    if pager:
        rows.append(pager)
    rows.append(_back(ApCB(a="b", y=at.y, p=at.bp, yp=at.yp), locale))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def confirm_keyboard(at: ApCB, locale: str | None = None) -> InlineKeyboardMarkup:
    confirm = ApCB(a="c", y=at.y, b=at.b, p=at.p, yp=at.yp, bp=at.bp, apt=at.apt)
    back = ApCB(a="a", y=at.y, b=at.b, p=at.p, yp=at.yp, bp=at.bp)
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=tr(texts.BTN_CONFIRM, locale), callback_data=confirm.pack()
                ),
                InlineKeyboardButton(text=tr(texts.BTN_BACK, locale), callback_data=back.pack()),
            ]
        ]
    )
