"""Make the fake Bot API know what a recorded update refers to, just before it is handled.

A recorded update comes from a real chat the fake has never seen: the chat, the user's message,
the bot message under a pressed button and the callback query id all have to exist for the bot's
answers (``sendMessage`` to the chat, ``editMessageText`` of that message, ``answerCallbackQuery``)
to succeed as they did in production. Priming happens when the worker picks the update up, so
message ids interleave as in the real chat: the user's message keeps its id and the bot's replies
get the ids after it.

Updates produced by the fake's own simulated users are already known; priming leaves them alone.
"""

from __future__ import annotations

import time
from typing import Any

from devkit.fakes.telegram import FakeChat, FakeTelegramState
from devkit.fakes.telegram.state import PendingQuery

__all__ = ["prime_update"]

_MESSAGE_KINDS = ("message", "edited_message", "channel_post", "business_message")


def _chat(state: FakeTelegramState, chat: Any) -> FakeChat | None:
    if not isinstance(chat, dict) or type(chat.get("id")) is not int:
        return None
    return state.add_chat(
        chat["id"],
        type=str(chat.get("type") or "private"),
        title=chat.get("title"),
        username=chat.get("username"),
        first_name=chat.get("first_name"),
        last_name=chat.get("last_name"),
    )


def _store(chat: FakeChat, message: dict[str, Any], *, from_bot: bool) -> None:
    message_id = message.get("message_id")
    if type(message_id) is not int or message_id in chat.messages:
        return
    chat.messages[message_id] = message
    if from_bot:
        chat.bot_message_ids.add(message_id)
    chat.next_message_id = max(chat.next_message_id, message_id + 1)


def prime_update(state: FakeTelegramState, update: dict[str, Any]) -> None:
    """Register the update's chat, message and callback query with the fake (idempotent)."""
    for kind in _MESSAGE_KINDS:
        message = update.get(kind)
        if isinstance(message, dict):
            chat = _chat(state, message.get("chat"))
            if chat is not None:
                sender = message.get("from")
                if isinstance(sender, dict) and type(sender.get("id")) is int:
                    chat.member_ids.add(sender["id"])
                _store(chat, message, from_bot=False)
            return
    query = update.get("callback_query")
    if isinstance(query, dict):
        _prime_query(state, query)
        return
    for kind in ("my_chat_member", "chat_member", "chat_join_request"):
        body = update.get(kind)
        if isinstance(body, dict):
            _chat(state, body.get("chat"))
            return


def _prime_query(state: FakeTelegramState, query: dict[str, Any]) -> None:
    raw_message, raw_sender = query.get("message"), query.get("from")
    message: dict[str, Any] = raw_message if isinstance(raw_message, dict) else {}
    sender: dict[str, Any] = raw_sender if isinstance(raw_sender, dict) else {}
    user_id = sender.get("id") if type(sender.get("id")) is int else 0
    chat = _chat(state, message.get("chat"))
    if chat is not None:
        _store(chat, message, from_bot=True)
    query_id = query.get("id")
    if isinstance(query_id, str) and query_id not in state.callback_queries:
        message_id = message.get("message_id")
        state.callback_queries[query_id] = PendingQuery(
            chat.id if chat is not None else int(user_id or 0),
            message_id if type(message_id) is int else 0,
            int(user_id or 0),
            time.time(),
        )
