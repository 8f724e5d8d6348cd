"""Changing and removing the bot's messages, and answering callback queries.

Telegram's edit rules: only the bot's own messages can be edited; an edit whose text (with its
entities) and inline keyboard equal the current ones is 400 "message is not modified"; an edit of
text or caption without ``reply_markup`` removes the inline keyboard. Edits of inline-mode
messages (``inline_message_id``) are accepted and answer ``true``.
"""

from __future__ import annotations

import time
from typing import Any

from devkit.fakes.telegram.errors import NOT_MODIFIED, ApiError, bad_request
from devkit.fakes.telegram.methods.common import message_for_edit
from devkit.fakes.telegram.methods.context import CallContext, Handler
from devkit.fakes.telegram.model import FakeChat, inline_buttons
from devkit.fakes.telegram.validation import caption_of, chat_ref, int_param, reply_markup, text_of

__all__ = ["HANDLERS"]

_MEDIA_KEYS = ("photo", "document", "video", "audio", "voice", "animation")


def _inline_markup(ctx: CallContext) -> dict[str, Any] | None:
    markup = reply_markup(ctx.params.get("reply_markup"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    if markup is not None and not markup["inline_keyboard"]:
        return None  # an empty keyboard removes it
    return markup


def _apply_edit(
    ctx: CallContext,
    chat: FakeChat,
    message: dict[str, Any],
    changes: dict[str, Any],
    markup: dict[str, Any] | None,
) -> dict[str, Any]:
    """Replace fields (``None`` deletes one), or 400 when nothing would change."""
    kept = {k: v for k, v in message.items() if k not in changes}
    updated = {k: v for k, v in kept.items() if k not in {"reply_markup", "edit_date"}}
    updated.update({k: v for k, v in changes.items() if v})
    if markup is not None:
        updated["reply_markup"] = markup
    current = {k: v for k, v in message.items() if k != "edit_date"}
    if updated == current:
        raise ApiError(400, NOT_MODIFIED)
    updated["edit_date"] = int(time.time())
    chat.messages[message["message_id"]] = updated
    ctx.state.add_entry(
        chat.id,
        "out",
        "edit",
        method=ctx.method,
        message_id=message["message_id"],
        text=updated.get("text", updated.get("caption")),
        buttons=inline_buttons(markup),
        data={"changed": sorted(changes) + (["reply_markup"] if markup else [])},
    )
    return updated


async def edit_message_text(ctx: CallContext) -> dict[str, Any] | bool:
    text, entities = text_of(ctx.params)
    markup = _inline_markup(ctx)
    if ctx.params.get("inline_message_id"):
        return True
    chat = ctx.state.target_chat(chat_ref(ctx.params))
    message = message_for_edit(ctx, chat)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    return _apply_edit(ctx, chat, message, {"text": text, "entities": entities}, markup)


async def edit_message_caption(ctx: CallContext) -> dict[str, Any] | bool:
    caption, entities = caption_of(ctx.params)
    markup = _inline_markup(ctx)
    if ctx.params.get("inline_message_id"):
        return True
    chat = ctx.state.target_chat(chat_ref(ctx.params))
    message = message_for_edit(ctx, chat)
    if not any(key in message for key in _MEDIA_KEYS):
        raise bad_request("there is no caption in the message to edit")
    changes = {"caption": caption, "caption_entities": entities}
    return _apply_edit(ctx, chat, message, changes, markup)


async def edit_message_reply_markup(ctx: CallContext) -> dict[str, Any] | bool:
    markup = _inline_markup(ctx)
    if ctx.params.get("inline_message_id"):
        return True
    chat = ctx.state.target_chat(chat_ref(ctx.params))
    message = message_for_edit(ctx, chat)
    return _apply_edit(ctx, chat, message, {}, markup)


async def delete_message(ctx: CallContext) -> bool:
    chat = ctx.state.target_chat(chat_ref(ctx.params))
    message_id = int_param(ctx.params, "message_id", "message identifier is not specified")
    if chat.messages.pop(message_id, None) is None:
        raise bad_request("message to delete not found")
    chat.bot_message_ids.discard(message_id)
    ctx.state.add_entry(chat.id, "out", "delete", method=ctx.method, message_id=message_id)
    return True


async def delete_messages(ctx: CallContext) -> bool:
    ids = ctx.params.get("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must contain 1-100 identifiers")
    chat = ctx.state.target_chat(chat_ref(ctx.params))
    for message_id in ids:
        if isinstance(message_id, int) and chat.messages.pop(message_id, None) is not None:
            chat.bot_message_ids.discard(message_id)
            ctx.state.add_entry(chat.id, "out", "delete", method=ctx.method, message_id=message_id)
    return True


async def answer_callback_query(ctx: CallContext) -> bool:
    text = ctx.params.get("text")
    if isinstance(text, str) and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query_id = ctx.params.get("callback_query_id")
    query = ctx.state.answer_query(query_id)
    data: dict[str, Any] = {"query_id": query_id, "show_alert": bool(ctx.params.get("show_alert"))}
    if ctx.params.get("url"):
        data["url"] = ctx.params["url"]
    ctx.state.add_entry(
        query.chat_id,
        "out",
        "callback_answer",
        method=ctx.method,
        message_id=query.message_id,
        text=text if isinstance(text, str) else None,
        data=data,
    )
    return True


HANDLERS: dict[str, Handler] = {
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "deleteMessages": delete_messages,
    "answerCallbackQuery": answer_callback_query,
}
