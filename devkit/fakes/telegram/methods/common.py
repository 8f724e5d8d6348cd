"""Pieces shared by the message-producing methods: reply parameters, markup, transcript rows."""

from __future__ import annotations

from typing import Any

from devkit.fakes.telegram.errors import bad_request
from devkit.fakes.telegram.methods.context import CallContext
from devkit.fakes.telegram.model import FakeChat, inline_buttons, keyboard_texts
from devkit.fakes.telegram.validation import int_param

__all__ = ["bot_message", "message_for_edit", "reply_to"]


def reply_to(ctx: CallContext, chat: FakeChat) -> dict[str, Any] | None:
    """``reply_parameters`` / ``reply_to_message_id``: the replied message, or 400 if missing."""
    params = ctx.params
    reply = params.get("reply_parameters")
    allow_missing = bool(params.get("allow_sending_without_reply"))
    message_id = params.get("reply_to_message_id")
    if isinstance(reply, dict):
        message_id = reply.get("message_id")
        allow_missing = bool(reply.get("allow_sending_without_reply", allow_missing))
    if message_id is None:
        return None
    replied = chat.messages.get(message_id) if isinstance(message_id, int) else None
    if replied is None:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return {k: v for k, v in replied.items() if k != "reply_to_message"}


def bot_message(
    ctx: CallContext,
    chat: FakeChat,
    content: dict[str, Any],
    *,
    markup: dict[str, Any] | None,
    content_type: str,
    transcript_text: str | None,
) -> dict[str, Any]:
    """Store a message the bot sent and write its transcript row; returns the Message."""
    content = dict(content)
    replied = reply_to(ctx, chat)
    if replied is not None:
        content["reply_to_message"] = replied
    if markup is not None and "inline_keyboard" in markup:
        content["reply_markup"] = markup  # Messages echo only inline keyboards
    state = ctx.state
    message = state.store_message(chat, content, sender=state.bot_user(), from_bot=True)
    data: dict[str, Any] = {"content_type": content_type}
    if ctx.params.get("parse_mode"):
        data["parse_mode"] = ctx.params["parse_mode"]
    if markup is not None and ("remove_keyboard" in markup or "force_reply" in markup):
        data["markup"] = markup
    state.add_entry(
        chat.id,
        "out",
        "message",
        method=ctx.method,
        message_id=message["message_id"],
        text=transcript_text,
        buttons=inline_buttons(markup),
        keyboard=keyboard_texts(markup),
        data=data,
    )
    return message


def message_for_edit(ctx: CallContext, chat: FakeChat) -> dict[str, Any]:
    message_id = int_param(ctx.params, "message_id", "message identifier is not specified")
    message = chat.messages.get(message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if message_id not in chat.bot_message_ids:
        raise bad_request("message can't be edited")
    return message
