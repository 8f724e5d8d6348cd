"""Bot API methods the fake implements, looked up case-insensitively as Telegram does."""

from __future__ import annotations

from devkit.fakes.telegram.methods import bot_settings, chats, delivery, editing, sending
from devkit.fakes.telegram.methods.context import Answer, CallContext, Handler

__all__ = ["METHODS", "Answer", "CallContext", "Handler", "lookup"]

METHODS: dict[str, Handler] = {
    **sending.HANDLERS,
    **editing.HANDLERS,
    **bot_settings.HANDLERS,
    **chats.HANDLERS,
    **delivery.HANDLERS,
}
_BY_LOWER = {name.lower(): (name, handler) for name, handler in METHODS.items()}


def lookup(name: str) -> tuple[str, Handler] | None:
    """``(canonical name, handler)`` for a method name in any letter case."""
    return _BY_LOWER.get(name.lower())
