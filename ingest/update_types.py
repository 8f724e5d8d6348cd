"""The update types the bot handles: what ``setWebhook`` and ``getUpdates`` ask Telegram to send.

One list, used for both delivery modes, so the bot never receives a type nobody handles and never
misses one it does. It is the worker's list (``workers.bot.runtime.decode.HANDLED_TYPES``, kept
equal by a test): private chats' messages and button presses, and ``my_chat_member``, which tells
the bot it was added to a group or channel (it leaves: the bot serves private chats only). Any
other type that still arrives (sent before a change of this list, or by a test) is acknowledged
and counted by the worker, never handled.
"""

from __future__ import annotations

__all__ = ["ALLOWED_UPDATES"]

ALLOWED_UPDATES: tuple[str, ...] = ("message", "callback_query", "my_chat_member")
