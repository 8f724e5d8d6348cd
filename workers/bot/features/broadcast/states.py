"""FSM states of the broadcast flow (data: draft, text, photo, audience)."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup

__all__ = ["BroadcastCompose"]


class BroadcastCompose(StatesGroup):
    text = State()
    audience = State()
    confirm = State()
