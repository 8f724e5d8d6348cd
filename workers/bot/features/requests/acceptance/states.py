"""FSM states of acceptance: returning a request with a reason."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup

__all__ = ["ReturnFlow"]


class ReturnFlow(StatesGroup):
    """Return: reason (3..1000) → optional media (≤ 5) → confirm → R10."""

    reason = State()
    media = State()
    confirm = State()
