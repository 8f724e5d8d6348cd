"""Callback data of the cards (all ≤ 64 bytes packed): what a feature draws and what a
notification's button opens are one class each, declared here below both.

Applicant: ``rq:<act>:<number>:<version>:<back>`` the request card and its actions (``v`` view,
``cx``/``cxy`` cancel, ``rep`` reply, ``acc`` accept, ``ret`` return; ``back`` a packed
``features.requests.keyboards.Back``). Executor: ``exl:<page>`` the active list, ``exv:<number>:
<page>`` the card, ``exa:<number>:<version>:<action>`` a work action (``pur`` purchase, ``res``
resume, ``cmp`` complete), ``pll:<page>`` the group pool. Manager: ``mrl:<tab>:<page>`` a list,
``mrv:<number>:<tab>:<page>`` the card, ``mra:<number>:<version>:<act>`` an action; /users
``usl:<ctx>`` the list and ``usv:<user>:<ctx>`` a user's card, ``ctx`` the list's packed view
(``features.admin.keyboards.ListView``). Shifts: ``shv:<id>`` a shift card. Any request card:
``ph:<number>`` send its photos.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from workers.bot.core import callbacks as cb

__all__ = [
    "DEFAULT_VIEW",
    "ApplicantCardCB",
    "CardAct",
    "ExecutorActionCB",
    "ExecutorCardCB",
    "ExecutorListCB",
    "ManagerAct",
    "ManagerActionCB",
    "ManagerCardCB",
    "ManagerListCB",
    "PhotosCB",
    "PoolCB",
    "ShiftCB",
    "Tab",
    "UserCardCB",
    "UsersCB",
    "ViewCtx",
    "WorkAction",
]

WorkAction = Literal["pur", "res", "cmp"]
ManagerAct = Literal["cnf", "acc", "grp", "exe", "rtw", "clr", "cnl", "res"]
Tab = Literal["n", "d", "r", "p", "c"]
CardAct = Literal["v", "cx", "cxy", "rep", "acc", "ret"]
# A packed /users view: status code . role code . page . search cache key.
ViewCtx = Annotated[
    str, Field(pattern=r"^[pab-]\.(?:ap|ex|mg|ad|-)\.\d{1,5}\.[A-Za-z0-9_-]{0,16}$")
]
# The first view: pending users, any role, page 1, no search.
DEFAULT_VIEW: Final = "p.-.1."


class ApplicantCardCB(CallbackData, prefix="rq"):
    act: CardAct
    number: cb.RequestNumber
    ver: cb.Version = 0
    # A packed Back: "", l.<group>.<category>.<page> or a.<page>.
    back: str = Field(
        default="", pattern=r"^(?:l\.(?:all|act|arc)\.[a-z0-9_]{0,12}\.\d{1,5}|a\.\d{1,5})?$"
    )


class ExecutorListCB(CallbackData, prefix="exl"):
    page: cb.Page = 1


class ExecutorCardCB(CallbackData, prefix="exv"):
    number: cb.RequestNumber
    page: cb.Page = 1


class ExecutorActionCB(CallbackData, prefix="exa"):
    number: cb.RequestNumber
    version: cb.Version
    action: WorkAction


class PoolCB(CallbackData, prefix="pll"):
    page: cb.Page = 1


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


class UsersCB(CallbackData, prefix="usl"):
    ctx: ViewCtx = DEFAULT_VIEW


class UserCardCB(CallbackData, prefix="usv"):
    user_id: cb.Id
    ctx: ViewCtx = DEFAULT_VIEW


class ShiftCB(CallbackData, prefix="shv"):
    shift_id: cb.Id


class PhotosCB(CallbackData, prefix="ph"):
    """Send the request's photos (R5 with the viewer's visibility decides first)."""

    number: cb.RequestNumber
