"""Callback data of the role cards (all ≤ 64 bytes packed).

Executor: ``exl:<page>`` the active list, ``exv:<number>:<page>`` the card,
``exa:<number>:<version>:<action>`` a work action (``pur`` purchase, ``res`` resume, ``cmp``
complete). Manager: ``mrl:<tab>:<page>`` a list, ``mrv:<number>:<tab>:<page>`` the card,
``mra:<number>:<version>:<act>`` an action. Any card: ``ph:<number>`` send its photos.
"""

from __future__ import annotations

from typing import Literal

from aiogram.filters.callback_data import CallbackData

from workers.bot.core import callbacks as cb

__all__ = [
    "ExecutorActionCB",
    "ExecutorCardCB",
    "ExecutorListCB",
    "ManagerAct",
    "ManagerActionCB",
    "ManagerCardCB",
    "ManagerListCB",
    "PhotosCB",
    "Tab",
    "WorkAction",
]

WorkAction = Literal["pur", "res", "cmp"]
ManagerAct = Literal["cnf", "acc", "grp", "exe", "rtw", "clr", "cnl", "res"]
Tab = Literal["n", "d", "r", "p", "c"]


class ExecutorListCB(CallbackData, prefix="exl"):
    page: cb.Page = 1


class ExecutorCardCB(CallbackData, prefix="exv"):
    number: cb.RequestNumber
    page: cb.Page = 1


class ExecutorActionCB(CallbackData, prefix="exa"):
    number: cb.RequestNumber
    version: cb.Version
    action: WorkAction


class ManagerListCB(CallbackData, prefix="mrl"):
    tab: Tab = "n"
    page: cb.Page = 1


class ManagerCardCB(CallbackData, prefix="mrv"):
    number: cb.RequestNumber
    tab: Tab = "n"
    page: cb.Page = 1


class ManagerActionCB(CallbackData, prefix="mra"):
    number: cb.RequestNumber
    version: cb.Version
    act: ManagerAct


class PhotosCB(CallbackData, prefix="ph"):
    """Send the request's photos (R5 with the viewer's visibility decides first)."""

    number: cb.RequestNumber
