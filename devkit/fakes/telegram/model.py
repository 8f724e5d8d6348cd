"""Records the fake keeps: chats and their messages, stored files, calls and the transcript."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CallRecord",
    "FakeChat",
    "StoredFile",
    "TranscriptEntry",
    "UploadInfo",
    "inline_buttons",
    "keyboard_texts",
]


def inline_buttons(markup: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    """The rows of an inline keyboard (empty when the markup is something else)."""
    if not markup or not isinstance(markup.get("inline_keyboard"), list):
        return []
    return [list(row) for row in markup["inline_keyboard"]]


def keyboard_texts(markup: dict[str, Any] | None) -> list[list[str]]:
    """Button texts of a reply keyboard (empty when the markup is something else)."""
    if not markup or not isinstance(markup.get("keyboard"), list):
        return []
    return [
        [b["text"] if isinstance(b, dict) else str(b) for b in row] for row in markup["keyboard"]
    ]


@dataclass(slots=True)
class FakeChat:
    """A chat the bot can talk to; message ids are allocated per chat, as in Telegram."""

    id: int
    type: str = "private"
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    blocked: bool = False
    next_message_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    bot_message_ids: set[int] = field(default_factory=set)
    member_ids: set[int] = field(default_factory=set)
    pinned_message_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for name in ("title", "username", "first_name", "last_name"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data

    def allocate_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass(frozen=True, slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_path": self.file_path,
        }
        if self.data is not None:
            body["file_size"] = len(self.data)
        return body


@dataclass(frozen=True, slots=True)
class UploadInfo:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One Bot API request as the fake answered it."""

    seq: int
    method: str
    bot_id: int | None
    params: dict[str, Any]
    uploads: dict[str, UploadInfo]
    time: float
    status: int
    result: Any = None
    description: str | None = None
    retry_after: int | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> int | str | None:
        value = self.params.get("chat_id")
        return value if isinstance(value, int | str) and not isinstance(value, bool) else None

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "method": self.method,
            "bot_id": self.bot_id,
            "params": self.params,
            "uploads": {
                name: {"filename": u.filename, "content_type": u.content_type, "size": u.size}
                for name, u in self.uploads.items()
            },
            "time": self.time,
            "status": self.status,
            "ok": self.ok,
            "result": self.result,
            "description": self.description,
            "retry_after": self.retry_after,
        }


Direction = Literal["in", "out"]


@dataclass(frozen=True, slots=True)
class TranscriptEntry:
    """One step of a chat's conversation.

    ``direction="out"`` entries are the bot's successful actions (``kind`` one of ``message``,
    ``edit``, ``delete``, ``callback_answer``, ``chat_action``); ``direction="in"`` entries are
    what simulated users did (``message``, ``callback_query``, ``my_chat_member``).
    """

    seq: int
    time: float
    chat_id: int
    direction: Direction
    kind: str
    method: str | None = None
    message_id: int | None = None
    text: str | None = None
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)
    keyboard: list[list[str]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def button_texts(self) -> list[list[str]]:
        return [[str(b.get("text", "")) for b in row] for row in self.buttons]

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "chat_id": self.chat_id,
            "direction": self.direction,
            "kind": self.kind,
            "method": self.method,
            "message_id": self.message_id,
            "text": self.text,
            "buttons": self.buttons,
            "keyboard": self.keyboard,
            "data": self.data,
        }
