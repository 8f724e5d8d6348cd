"""The typed FSM data of a return (under the ``return`` key); ids made like /create_request's
(:mod:`workers.bot.features.requests.drafts`), so R10 goes out with ``draft:<draft_id>``."""

from __future__ import annotations

from typing import Any

import msgspec
from aiogram.fsm.context import FSMContext

from workers.bot.core.media_step import MediaBox

__all__ = ["DATA_KEY", "ReturnDraft", "load_return", "new_return", "save_return"]

DATA_KEY = "return"


class ReturnDraft(msgspec.Struct):
    id: str
    tag: int
    number: str
    version: int
    reason: str | None = None
    media: MediaBox = msgspec.field(default_factory=MediaBox)

    @property
    def idempotency_key(self) -> str:
        return f"draft:{self.id}"


def new_return(telegram_id: int, update_id: int, number: str, version: int) -> ReturnDraft:
    return ReturnDraft(
        id=f"{telegram_id}-{update_id}", tag=update_id, number=number, version=version
    )


async def load_return(state: FSMContext) -> ReturnDraft | None:
    raw: Any = (await state.get_data()).get(DATA_KEY)
    if raw is None:
        return None
    try:
        return msgspec.convert(raw, ReturnDraft)
    except msgspec.ValidationError:
        return None


async def save_return(state: FSMContext, draft: ReturnDraft) -> None:
    await state.update_data({DATA_KEY: msgspec.to_builtins(draft)})
