"""Callback data of the executor's lists, cards and actions (all ≤ 64 bytes packed).

``exl:<page>`` a page of active requests, ``exv:<number>:<page>`` a card,
``exa:<number>:<version>:<action>`` a work action on the card (``pur`` purchase, ``res`` resume,
``cmp`` complete), ``pll:<page>`` a pool page, ``plc:<number>:<version>:<page>`` claim,
``exf`` finish the completion report.
"""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from workers.bot.core import callbacks as cb

__all__ = [
    "ActionCB",
    "CardCB",
    "ClaimCB",
    "FinishCB",
    "ListCB",
    "PoolCB",
    "WorkAction",
    "button",
    "markup",
]

WorkAction = Literal["pur", "res", "cmp"]


class ListCB(CallbackData, prefix="exl"):
    page: cb.Page = 1


class CardCB(CallbackData, prefix="exv"):
    number: cb.RequestNumber
    page: cb.Page = 1


class ActionCB(CallbackData, prefix="exa"):
    number: cb.RequestNumber
    version: cb.Version
    action: WorkAction


class FinishCB(CallbackData, prefix="exf"):
    """Finish the completion report (the report and media are in the FSM draft)."""


class PoolCB(CallbackData, prefix="pll"):
    page: cb.Page = 1


class ClaimCB(CallbackData, prefix="plc"):
    number: cb.RequestNumber
    version: cb.Version
    page: cb.Page = 1


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])
