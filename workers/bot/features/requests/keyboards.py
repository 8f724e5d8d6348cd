"""Callback data of the requests feature (all ≤ 64 bytes) and the inline keyboards built on them.

- ``cr:<act>:<draft>:<value>`` — steps of /create_request. ``draft`` is the draft's tag (the
  update id that started the flow), so a button from an earlier draft never acts on this one.
- ``rl:<group>:<category>:<page>:<pick>`` — /my_requests: filters and paging, edited in place.
- ``rq:<act>:<number>:<version>:<back>`` — the request card and its actions (declared in
  :mod:`workers.bot.core.cards.callbacks`, which notifications open too); ``version`` is the
  ``status_version`` the card showed (a newer one makes the button stale) and ``back`` where the
  card's "back" button leads (:class:`Back`).

The whole list context fits into the data, so these keyboards need no keyboard-cache rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from aiogram.filters.callback_data import CallbackData
from pydantic import Field

from workers.bot.core import callbacks as cb
from workers.bot.core.callbacks import NUMBER_PATTERN
from workers.bot.core.cards.callbacks import ApplicantCardCB as CardCb
from workers.bot.core.cards.callbacks import CardAct as CardAct

__all__ = [
    "NUMBER_PATTERN",
    "Back",
    "CardAct",
    "CardCb",
    "CreateCb",
    "Group",
    "ListCb",
]


Group = Literal["all", "act", "arc"]
CreateAct = Literal["cat", "adr", "adp", "urg", "md", "ok", "ed", "no"]
_GROUPS: Final[dict[str, Group]] = {"all": "all", "act": "act", "arc": "arc"}


class CreateCb(CallbackData, prefix="cr"):
    act: CreateAct
    draft: cb.Draft
    # A category or urgency key, an address code (a1203), a page number, a step name.
    val: str = Field(default="", pattern=r"^[a-z0-9_]{0,24}$")


class ListCb(CallbackData, prefix="rl"):
    group: Group = "all"
    cat: str = Field(default="", pattern=r"^[a-z0-9_]{0,12}$")
    page: cb.Page = 1
    pick: bool = False


@dataclass(frozen=True, slots=True)
class Back:
    """Where a card came from: a /my_requests page, an acceptance page, or nowhere.

    Packed into :attr:`CardCb.back` as ``l.<group>.<category>.<page>`` or ``a.<page>``.
    """

    kind: Literal["", "list", "accept"] = ""
    group: Group = "all"
    cat: str = ""
    page: int = 1

    def pack(self) -> str:
        if self.kind == "list":
            return f"l.{self.group}.{self.cat}.{self.page}"
        if self.kind == "accept":
            return f"a.{self.page}"
        return ""

    @classmethod
    def unpack(cls, value: str) -> Back:
        """Lenient: anything unreadable means "no way back" rather than an error."""
        parts = value.split(".")
        try:
            group = _GROUPS.get(parts[1]) if len(parts) == 4 and parts[0] == "l" else None
            if group is not None:
                return cls("list", group, parts[2], max(1, int(parts[3])))
            if parts[0] == "a" and len(parts) == 2:
                return cls("accept", page=max(1, int(parts[1])))
        except ValueError:
            pass
        return cls()

    def list_cb(self) -> ListCb:
        return ListCb(group=self.group, cat=self.cat, page=self.page)
