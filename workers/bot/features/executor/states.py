"""FSM states of the executor's multi-step actions (data: ``number``, ``version``, ``draft_id``)."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup

__all__ = ["CompleteFlow", "PurchaseFlow"]


class PurchaseFlow(StatesGroup):
    materials = State()


class CompleteFlow(StatesGroup):
    report = State()
    media = State()
