"""Callback data of the executor's lists, cards and actions (all ≤ 64 bytes packed; the card's
own — ``exl``, ``exv``, ``exa`` — and the pool's ``pll`` live with the one card builder in
:mod:`workers.bot.core.cards`, where notifications find them too).

``exl:<page>`` a page of active requests, ``exv:<number>:<page>`` a card,
``exa:<number>:<version>:<action>`` a work action on the card (``pur`` purchase, ``res`` resume,
``cmp`` complete), ``pll:<page>`` a pool page, ``plc:<number>:<version>:<page>`` claim,
``exf`` finish the completion report.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from workers.bot.core import callbacks as cb
from workers.bot.core.cards.callbacks import ExecutorActionCB as ActionCB
from workers.bot.core.cards.callbacks import ExecutorCardCB as CardCB
from workers.bot.core.cards.callbacks import ExecutorListCB as ListCB
from workers.bot.core.cards.callbacks import PoolCB as PoolCB
from workers.bot.core.cards.callbacks import WorkAction as WorkAction

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


class FinishCB(CallbackData, prefix="exf"):
    """Finish the completion report (the report and media are in the FSM draft)."""


class ClaimCB(CallbackData, prefix="plc"):
    number: cb.RequestNumber
    version: cb.Version
    page: cb.Page = 1


def button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])
