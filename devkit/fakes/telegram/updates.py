"""Real-shaped Bot API objects for what a simulated user does (bodies of ``Update``s).

Each builder returns message *content* or an update *body* without ``update_id``; the state
allocates message ids per chat and update ids globally. Shapes follow the Bot API objects
(``Message``, ``CallbackQuery``, ``ChatMemberUpdated``, ``Contact``, ``PhotoSize`` …) so that
aiogram parses them into its types unchanged.
"""

from __future__ import annotations

import time
from typing import Any

from devkit.fakes.telegram.model import StoredFile

__all__ = [
    "callback_query_body",
    "contact_content",
    "document_content",
    "location_content",
    "my_chat_member_body",
    "photo_sizes",
    "text_content",
]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def text_content(text: str) -> dict[str, Any]:
    """``text`` plus the ``bot_command`` entity Telegram adds for a leading ``/command``."""
    content: dict[str, Any] = {"text": text}
    if text.startswith("/") and len(text) > 1:
        command = text.split(maxsplit=1)[0]
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]
    return content


def contact_content(
    phone_number: str, first_name: str, last_name: str | None, user_id: int | None
) -> dict[str, Any]:
    contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
    if last_name:
        contact["last_name"] = last_name
    if user_id is not None:
        contact["user_id"] = user_id
    return {"contact": contact}


def photo_sizes(stored: StoredFile, width: int, height: int) -> list[dict[str, Any]]:
    """Telegram's thumbnails-first list of sizes; the last one is the original."""
    size = len(stored.data) if stored.data is not None else None
    sizes: list[dict[str, Any]] = []
    for scale, suffix in ((0.0703125, "s"), (0.25, "m"), (1.0, "")):
        item: dict[str, Any] = {
            "file_id": stored.file_id + suffix,
            "file_unique_id": stored.file_unique_id + suffix,
            "width": max(1, round(width * scale)),
            "height": max(1, round(height * scale)),
        }
        if size is not None:
            item["file_size"] = max(1, round(size * scale * scale)) if suffix else size
        sizes.append(item)
    return sizes


def document_content(stored: StoredFile, filename: str, mime_type: str) -> dict[str, Any]:
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_name": filename,
        "mime_type": mime_type,
    }
    if stored.data is not None:
        document["file_size"] = len(stored.data)
    return {"document": document}


def location_content(latitude: float, longitude: float) -> dict[str, Any]:
    return {"location": {"latitude": latitude, "longitude": longitude}}


def callback_query_body(
    query_id: str, sender: dict[str, Any], message: dict[str, Any], data: str
) -> dict[str, Any]:
    return {
        "callback_query": {
            "id": query_id,
            "from": sender,
            "message": message,
            "chat_instance": str(-(abs(message["chat"]["id"]) * 7919 % 10**18)),
            "data": data,
        }
    }


def my_chat_member_body(
    chat: dict[str, Any],
    sender: dict[str, Any],
    bot: dict[str, Any],
    old_status: str,
    new_status: str,
) -> dict[str, Any]:
    now = int(time.time())

    def member(status: str) -> dict[str, Any]:
        body: dict[str, Any] = {"status": status, "user": bot}
        if status == "kicked":
            body["until_date"] = 0
        return body

    return {
        "my_chat_member": {
            "chat": chat,
            "from": sender,
            "date": now,
            "old_chat_member": member(old_status),
            "new_chat_member": member(new_status),
        }
    }
