"""FSM states of the requests feature."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup

__all__ = ["CreateRequest", "ReplyClarification", "StatusLookup"]


class CreateRequest(StatesGroup):
    """/create_request: category → address → description → urgency → media → confirm
    (``phone`` first when the profile has no phone number yet)."""

    phone = State()
    category = State()
    address = State()
    description = State()
    urgency = State()
    media = State()
    confirm = State()


class StatusLookup(StatesGroup):
    """/request_status without a number: waiting for it to be typed."""

    number = State()


class ReplyClarification(StatesGroup):
    """The applicant answers the manager's question (a request in ``clarification``)."""

    text = State()
