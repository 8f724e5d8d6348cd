"""Callback data of the manager's and admin's tools (all ≤ 64 bytes packed).

Manager requests: ``mrl:<tab>:<page>`` a list, ``mrv:<number>:<tab>:<page>`` a card,
``mra:<number>:<version>:<act>`` an action, ``mrg:<number>:<version>:<spec>`` assign to a group,
``mrp:<number>:<version>:<page>`` the executor picker, ``mre:<number>:<version>:<user>`` assign.
Users: the list's view (status, role, page, search key) travels packed in ``ctx`` as
``<status>.<role>.<page>.<key>`` (``-`` = no filter, ``key``: the ``inline_keyboard_cache`` row
holding the search text); ``usl:<ctx>`` a list, ``usq:<ctx>`` search, ``usv:<user>:<ctx>`` a card,
``usa:<user>:<act>:<ctx>`` an action, ``usj:<user>:<apartment>:<ctx>`` reject a link,
``usr``/``urs:<user>:<mask>:<ctx>`` roles shown/saved, ``uss``/``uzs:<user>:<mask>:<ctx>``
specializations shown/saved. Invites: ``ivn``, ``ivs:<role>:<mask>``, ``ivt:<role>:<mask>``,
``ivh:<role>:<mask>:<hours>``. Analytics ``an:<days>``; settings ``gs:<act>``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Annotated, Any, Final, Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from pydantic import BaseModel, Field

from shared.clients.models.common import Role, Specialization
from workers.bot.core import callbacks as cb
from workers.bot.core.cards.callbacks import DEFAULT_VIEW, ManagerAct, Tab, ViewCtx
from workers.bot.core.cards.callbacks import ManagerActionCB as ManagerActionCB
from workers.bot.core.cards.callbacks import ManagerCardCB as RequestCardCB
from workers.bot.core.cards.callbacks import ManagerListCB as RequestListCB
from workers.bot.core.cards.callbacks import UserCardCB as UserCardCB
from workers.bot.core.cards.callbacks import UsersCB as UsersCB
from workers.bot.core.cards.manager import TABS as TABS
from workers.bot.core.vocabulary import ROLES, SPECIALIZATIONS

__all__ = [
    "ROLE_ORDER",
    "SPEC_ORDER",
    "TABS",
    "AnalyticsCB",
    "AssignExecutorCB",
    "AssignGroupCB",
    "ExecutorsCB",
    "InviteHoursCB",
    "InviteNewCB",
    "InviteSpecsCB",
    "InviteTimeCB",
    "ListView",
    "ManagerAct",
    "ManagerActionCB",
    "RejectLinkCB",
    "RequestCardCB",
    "RequestListCB",
    "RolesCB",
    "RolesSaveCB",
    "SearchCB",
    "SettingsCB",
    "SpecsCB",
    "SpecsSaveCB",
    "Tab",
    "UserActionCB",
    "UserCardCB",
    "UsersCB",
    "btn",
    "from_mask",
    "markup",
    "to_mask",
]

UserAct = Literal["apr", "blk", "bly", "ubl", "uby"]
# mon asks to confirm, mok confirms, mbk goes back to the settings (maintenance on needs a confirm).
SettingsAct = Literal["lru", "luz", "mon", "mok", "mbk", "mof", "mru", "muz", "sup", "qh"]


# Field types: workers.bot.core.callbacks (button data is validated before a handler runs).
Spec = Specialization
ROLE_ORDER: Final[tuple[str, ...]] = ROLES
SPEC_ORDER: Final[tuple[str, ...]] = SPECIALIZATIONS


class AssignGroupCB(CallbackData, prefix="mrg"):
    number: cb.RequestNumber
    version: cb.Version
    spec: Spec


class ExecutorsCB(CallbackData, prefix="mrp"):
    number: cb.RequestNumber
    version: cb.Version
    page: cb.Page = 1


class AssignExecutorCB(CallbackData, prefix="mre"):
    number: cb.RequestNumber
    version: cb.Version
    user_id: cb.Id


class SearchCB(CallbackData, prefix="usq"):
    """Ask for a search text; the list's filters stay."""

    ctx: ViewCtx = DEFAULT_VIEW


class UserActionCB(CallbackData, prefix="usa"):
    user_id: cb.Id
    act: UserAct
    ctx: ViewCtx = DEFAULT_VIEW


class RejectLinkCB(CallbackData, prefix="usj"):
    user_id: cb.Id
    apartment_id: cb.Id
    ctx: ViewCtx = DEFAULT_VIEW


class _UserMask(BaseModel):
    """A roles or specializations screen's button: whose, which are ticked (bits in the order of
    ``ROLE_ORDER`` / ``SPEC_ORDER``), and the list's view to go back to. Each button below is its
    own class (prefix) with these fields, packed in this order."""

    user_id: cb.Id
    mask: cb.Mask
    ctx: ViewCtx = DEFAULT_VIEW


class RolesCB(_UserMask, CallbackData, prefix="usr"):
    """The roles screen with ``mask`` ticked (opening it, or a tick flipped)."""


class RolesSaveCB(_UserMask, CallbackData, prefix="urs"):
    """Save ``mask`` as the user's roles."""


class SpecsCB(_UserMask, CallbackData, prefix="uss"):
    """The specializations screen with ``mask`` ticked."""


class SpecsSaveCB(_UserMask, CallbackData, prefix="uzs"):
    """Save ``mask`` as the user's specializations."""


class InviteNewCB(CallbackData, prefix="ivn"):
    pass


class InviteSpecsCB(CallbackData, prefix="ivs"):
    role: Role
    mask: cb.Mask = 0


class InviteTimeCB(CallbackData, prefix="ivt"):
    role: Role
    mask: cb.Mask = 0


class InviteHoursCB(CallbackData, prefix="ivh"):
    role: Role
    mask: cb.Mask
    hours: Annotated[int, Field(ge=1, le=24 * 31)]


class AnalyticsCB(CallbackData, prefix="an"):
    days: Annotated[int, Field(ge=1, le=366)]


class SettingsCB(CallbackData, prefix="gs"):
    act: SettingsAct


_STATUS_CODES: Final = {"p": "pending", "a": "approved", "b": "blocked", "-": None}
_ROLE_CODES: Final = {
    "ap": "applicant",
    "ex": "executor",
    "mg": "manager",
    "ad": "admin",
    "-": None,
}


@dataclass(frozen=True, slots=True)
class ListView:
    """Where a /users list stands: filters, page and the cache key of the search text."""

    status: str | None = "pending"
    role: str | None = None
    page: int = 1
    key: str = ""

    def pack(self) -> str:
        status = next(k for k, v in _STATUS_CODES.items() if v == self.status)
        role = next(k for k, v in _ROLE_CODES.items() if v == self.role)
        return f"{status}.{role}.{self.page}.{self.key}"

    @classmethod
    def unpack(cls, value: str) -> ListView:
        """Raises ``ValueError`` for anything a button of ours never carried."""
        status, role, page, key = value.split(".", 3)
        if status not in _STATUS_CODES or role not in _ROLE_CODES or len(key) > 16:
            raise ValueError("not a list view")
        return cls(_STATUS_CODES[status], _ROLE_CODES[role], max(1, int(page)), key)

    def with_(self, **changes: Any) -> ListView:
        return replace(self, **changes)


def to_mask(chosen: Collection[str], order: tuple[str, ...]) -> int:
    return sum(1 << i for i, key in enumerate(order) if key in chosen)


def from_mask(mask: int, order: tuple[str, ...]) -> list[str]:
    return [key for i, key in enumerate(order) if mask >> i & 1]


def btn(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def markup(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])
