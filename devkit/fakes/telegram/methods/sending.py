"""Methods that put new messages into a chat: text, media, albums, contacts, locations, copies."""

from __future__ import annotations

import secrets
from typing import Any

from devkit.fakes.telegram.errors import bad_request
from devkit.fakes.telegram.methods.common import bot_message
from devkit.fakes.telegram.methods.context import CallContext, Handler
from devkit.fakes.telegram.model import StoredFile
from devkit.fakes.telegram.updates import (
    contact_content,
    document_content,
    location_content,
    photo_sizes,
)
from devkit.fakes.telegram.validation import caption_of, chat_ref, int_param, reply_markup, text_of

__all__ = ["HANDLERS"]

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_MEDIA_KINDS = ("photo", "document", "video", "audio", "voice", "animation", "sticker")


async def send_message(ctx: CallContext) -> dict[str, Any]:
    text, entities = text_of(ctx.params)
    markup = reply_markup(ctx.params.get("reply_markup"))
    chat = ctx.state.target_chat(chat_ref(ctx.params))
    content: dict[str, Any] = {"text": text}
    if entities:
        content["entities"] = entities
    return bot_message(ctx, chat, content, markup=markup, content_type="text", transcript_text=text)


def _resolve_file(ctx: CallContext, kind: str, value: Any) -> tuple[StoredFile, str, str]:
    """The file behind a media parameter: an upload, a known file_id or an HTTP URL."""
    uploads = ctx.uploads
    upload = None
    if isinstance(value, str) and value.startswith("attach://"):
        upload = uploads.get(value.removeprefix("attach://"))
        if upload is None:
            raise bad_request(f'can\'t find attached file "{value.removeprefix("attach://")}"')
    elif value is None:
        upload = uploads.get(kind)
    if upload is not None:
        stored = ctx.state.files.add(kind, upload.data, upload.filename)
        return stored, upload.filename, upload.content_type
    if not isinstance(value, str) or not value:
        raise bad_request(f"there is no {kind} in the request")
    known = ctx.state.files.get(value)
    if known is not None:
        return known, known.file_path.rsplit("/", 1)[-1], "application/octet-stream"
    if value.startswith(("http://", "https://")):
        name = value.rsplit("/", 1)[-1] or f"{kind}.bin"
        return ctx.state.files.add(kind, None, name), name, "application/octet-stream"
    raise bad_request("wrong file identifier/HTTP URL specified")


def _media_content(kind: str, stored: StoredFile, filename: str, mime: str) -> dict[str, Any]:
    if kind == "photo":
        return {"photo": photo_sizes(stored, 1280, 960)}
    if kind == "document":
        return document_content(stored, filename, mime)
    body: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    if stored.data is not None:
        body["file_size"] = len(stored.data)
    if kind in {"video", "animation"}:
        body.update(width=1280, height=720, duration=1)
    elif kind in {"audio", "voice"}:
        body["duration"] = 1
    elif kind == "sticker":
        body.update(type="regular", width=512, height=512, is_animated=False, is_video=False)
    return {kind: body}


def _media_sender(kind: str) -> Handler:
    async def send(ctx: CallContext) -> dict[str, Any]:
        caption, entities = caption_of(ctx.params) if kind != "sticker" else (None, [])
        markup = reply_markup(ctx.params.get("reply_markup"))
        chat = ctx.state.target_chat(chat_ref(ctx.params))
        stored, filename, mime = _resolve_file(ctx, kind, ctx.params.get(kind))
        content = _media_content(kind, stored, filename, mime)
        if caption:
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        return bot_message(
            ctx, chat, content, markup=markup, content_type=kind, transcript_text=caption
        )

    return send


async def send_media_group(ctx: CallContext) -> list[dict[str, Any]]:
    media = ctx.params.get("media")
    if not isinstance(media, list) or not media:
        raise bad_request("media group must contain 2-10 items")
    if len(media) > 10:
        raise bad_request("too many messages to send as an album")
    if len(media) < 2:
        raise bad_request("media group must contain 2-10 items")
    kinds = {item.get("type") if isinstance(item, dict) else None for item in media}
    if not kinds <= {"photo", "video", "document", "audio"}:
        raise bad_request("wrong type of media in the album")
    if len(kinds) > 1 and ({"document"} & kinds or {"audio"} & kinds):
        raise bad_request("document and audio can't be mixed with other media types")
    chat = ctx.state.target_chat(chat_ref(ctx.params))
    group_id = str(secrets.randbits(62))
    messages = []
    for item in media:
        kind = str(item["type"])
        caption, entities = caption_of(item)
        stored, filename, mime = _resolve_file(ctx, kind, item.get("media"))
        content = {"media_group_id": group_id, **_media_content(kind, stored, filename, mime)}
        if caption:
            content["caption"] = caption
            if entities:
                content["caption_entities"] = entities
        messages.append(
            bot_message(ctx, chat, content, markup=None, content_type=kind, transcript_text=caption)
        )
    return messages


async def send_contact(ctx: CallContext) -> dict[str, Any]:
    phone, first_name = ctx.params.get("phone_number"), ctx.params.get("first_name")
    if not phone or not first_name:
        raise bad_request("phone number and first name must be non-empty")
    markup = reply_markup(ctx.params.get("reply_markup"))
    chat = ctx.state.target_chat(chat_ref(ctx.params))
    content = contact_content(str(phone), str(first_name), ctx.params.get("last_name"), None)
    return bot_message(
        ctx, chat, content, markup=markup, content_type="contact", transcript_text=str(phone)
    )


async def send_location(ctx: CallContext) -> dict[str, Any]:
    latitude, longitude = ctx.params.get("latitude"), ctx.params.get("longitude")
    if not isinstance(latitude, int | float) or not isinstance(longitude, int | float):
        raise bad_request("wrong latitude or longitude specified")
    markup = reply_markup(ctx.params.get("reply_markup"))
    chat = ctx.state.target_chat(chat_ref(ctx.params))
    content = location_content(float(latitude), float(longitude))
    return bot_message(
        ctx, chat, content, markup=markup, content_type="location", transcript_text=None
    )


async def send_chat_action(ctx: CallContext) -> bool:
    action = ctx.params.get("action")
    if action not in _CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat = ctx.state.target_chat(chat_ref(ctx.params))
    ctx.state.add_entry(chat.id, "out", "chat_action", method=ctx.method, data={"action": action})
    return True


def _copyable(ctx: CallContext) -> tuple[dict[str, Any], dict[str, Any]]:
    source_chat = ctx.state.target_chat(chat_ref(ctx.params, "from_chat_id"))
    message_id = int_param(ctx.params, "message_id", "message identifier is not specified")
    original = source_chat.messages.get(message_id)
    if original is None:
        raise bad_request("message to copy not found")
    skip = {"message_id", "from", "chat", "date", "reply_markup", "reply_to_message"}
    return original, {k: v for k, v in original.items() if k not in skip}


async def copy_message(ctx: CallContext) -> dict[str, Any]:
    _, content = _copyable(ctx)
    markup = reply_markup(ctx.params.get("reply_markup"))
    chat = ctx.state.target_chat(chat_ref(ctx.params))
    message = bot_message(
        ctx, chat, content, markup=markup, content_type="copy", transcript_text=content.get("text")
    )
    return {"message_id": message["message_id"]}


async def forward_message(ctx: CallContext) -> dict[str, Any]:
    original, content = _copyable(ctx)
    chat = ctx.state.target_chat(chat_ref(ctx.params))
    origin = {"type": "user", "sender_user": original["from"], "date": original["date"]}
    return bot_message(
        ctx,
        chat,
        {"forward_origin": origin, **content},
        markup=None,
        content_type="forward",
        transcript_text=content.get("text"),
    )


HANDLERS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendMediaGroup": send_media_group,
    "sendContact": send_contact,
    "sendLocation": send_location,
    "sendChatAction": send_chat_action,
    "copyMessage": copy_message,
    "forwardMessage": forward_message,
    **{f"send{kind.capitalize()}": _media_sender(kind) for kind in _MEDIA_KINDS},
}
