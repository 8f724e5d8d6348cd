"""FSM states of onboarding."""

from __future__ import annotations

from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup

__all__ = ["OWN_STATES", "Onboarding"]


class Onboarding(StatesGroup):
    invite_code = State()  # an employee sends the invite code or link
    phone = State()  # the phone number typed by hand


# Onboarding's own buttons and inputs are taken outside other features' flows only.
OWN_STATES = StateFilter(None, Onboarding)
