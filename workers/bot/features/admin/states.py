"""FSM states of the manager's and admin's text inputs."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup

__all__ = ["ManagerComment", "SettingsEdit", "UserSearch"]


class ManagerComment(StatesGroup):
    """A reason or question for a request action (data: number, version, act, draft_id)."""

    text = State()


class UserSearch(StatesGroup):
    """The search text for /users (data: status, role)."""

    query = State()


class SettingsEdit(StatesGroup):
    """A new text for one gateway setting (data: setting)."""

    value = State()
