"""The fix offered when /create_request finds no address to file against: the onboarding
apartment picker (yard → building → apartment, ``ap:`` buttons), or a note that a link is
already waiting for the manager."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from workers.bot.core import ui
from workers.bot.core.onboarding import ApCB
from workers.bot.features.requests import texts
from workers.bot.features.requests.render_create import button, markup

__all__ = ["address_fix"]


def address_fix(pending: bool) -> tuple[str, InlineKeyboardMarkup | None]:
    """``(text, keyboard)``: wait for the manager when a link is pending, else pick one."""
    if pending:
        return ui.tr(texts.NEED_ADDRESS_PENDING), None
    label = ui.tr(texts.BTN_PICK_APARTMENT)
    keyboard = markup([[button(label, ApCB(a="y"))]])
    return ui.tr(texts.NEED_ADDRESS, button=label), keyboard
