"""The update types the bot handles: what ``setWebhook`` and ``getUpdates`` ask Telegram to send.

One list, used for both delivery modes, so the bot never receives a type nobody handles and never
misses one it does. ``chat_member`` is opt-in at Telegram (an empty list leaves it out), so naming
the types explicitly is also what makes membership changes in groups arrive.
"""

from __future__ import annotations

__all__ = ["ALLOWED_UPDATES"]

ALLOWED_UPDATES: tuple[str, ...] = (
    "message",
    "edited_message",
    "callback_query",
    "inline_query",
    "chosen_inline_result",
    "my_chat_member",
    "chat_member",
)
