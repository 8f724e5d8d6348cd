"""Callback data of shifts (all ≤ 64 bytes packed).

``shm`` my shifts, ``shv:<id>`` a shift card (declared in :mod:`workers.bot.core.cards.callbacks`,
which notifications open too), ``shw:<YYYY-MM-DD>`` a schedule week (its
Monday), ``sht:<page>`` available shifts, ``shp:<id>:<page>`` one of them to confirm,
``shk:<id>:<page>`` take it, ``shs:<id>`` start, ``she:<id>`` the end summary, ``shx:<id>`` end,
``shn`` keep the shift running.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

from workers.bot.core import callbacks as cb
from workers.bot.core.cards.callbacks import ShiftCB as ShiftCB

__all__ = [
    "AvailableCB",
    "EndAskCB",
    "EndCB",
    "KeepCB",
    "MyShiftsCB",
    "PickCB",
    "ShiftCB",
    "StartCB",
    "TakeCB",
    "WeekCB",
]


class MyShiftsCB(CallbackData, prefix="shm"):
    pass


class WeekCB(CallbackData, prefix="shw"):
    monday: cb.IsoDate  # ISO date of the week's Monday (Asia/Tashkent)


class AvailableCB(CallbackData, prefix="sht"):
    page: cb.Page = 1


class PickCB(CallbackData, prefix="shp"):
    shift_id: cb.Id
    page: cb.Page = 1


class TakeCB(CallbackData, prefix="shk"):
    shift_id: cb.Id
    page: cb.Page = 1


class StartCB(CallbackData, prefix="shs"):
    shift_id: cb.Id


class EndAskCB(CallbackData, prefix="she"):
    shift_id: cb.Id


class EndCB(CallbackData, prefix="shx"):
    shift_id: cb.Id


class KeepCB(CallbackData, prefix="shn"):
    pass
