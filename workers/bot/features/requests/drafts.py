"""The typed FSM data of /create_request: one :class:`Draft` under the ``create`` key.

The draft id is made once when the flow starts, from the user and the update that started it
(``<telegram_id>-<update_id>``): unique across the bot, stable across retries of that update, and
the same when a recorded conversation is replayed. R2 is called with ``draft:<draft_id>``, so a
retried or double-tapped confirmation creates one request. ``tag`` (the update id) goes into the
flow's buttons, so a button from an earlier draft is recognised as stale.
"""

from __future__ import annotations

from typing import Any

import msgspec
from aiogram.fsm.context import FSMContext

from shared.clients.models.users import AddressRef
from workers.bot.core.media_step import MediaBox

__all__ = ["DATA_KEY", "Draft", "draft_of", "load_draft", "new_draft", "save_draft"]

DATA_KEY = "create"


class Draft(msgspec.Struct):
    id: str
    tag: int
    addresses: list[AddressRef]
    category: str | None = None
    address: AddressRef | None = None
    description: str | None = None
    urgency: str | None = None
    media: MediaBox = msgspec.field(default_factory=MediaBox)
    # True while one field is being changed from the summary: its step leads back there.
    editing: bool = False

    @property
    def idempotency_key(self) -> str:
        return f"draft:{self.id}"

    @property
    def complete(self) -> bool:
        return None not in (self.category, self.address, self.description, self.urgency)


def new_draft(telegram_id: int, update_id: int, addresses: list[AddressRef]) -> Draft:
    return Draft(id=f"{telegram_id}-{update_id}", tag=update_id, addresses=addresses)


async def load_draft(state: FSMContext) -> Draft | None:
    """The draft in the FSM data, or ``None`` when there is none (or it does not parse)."""
    return draft_of(await state.get_data())


def draft_of(data: dict[str, Any]) -> Draft | None:
    """The draft in FSM data ``data`` (the current one, or a parked form's)."""
    raw: Any = data.get(DATA_KEY)
    if raw is None:
        return None
    try:
        return msgspec.convert(raw, Draft)
    except msgspec.ValidationError:
        return None


async def save_draft(state: FSMContext, draft: Draft) -> None:
    await state.update_data({DATA_KEY: msgspec.to_builtins(draft)})
