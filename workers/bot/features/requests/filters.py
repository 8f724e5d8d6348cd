"""Which messages a flow step may take as the user's input.

A step waiting for free text must not swallow a command (``/my_shifts``) or a main-menu button
from an older keyboard (``Мои смены``): those belong to their own handlers, wherever they are.
"""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Message

from workers.bot.core import ui

__all__ = ["FlowInput"]


class FlowInput(Filter):
    """Any message except a ``/command`` and a main-menu button text."""

    async def __call__(self, message: Message) -> bool:
        text = message.text
        if text is None:
            return True
        return not text.startswith("/") and ui.match_button(text) is None
