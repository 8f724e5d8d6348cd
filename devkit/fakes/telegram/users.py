"""A simulated Telegram user: produces the updates a person's actions would produce.

Every action stores the user's message in the chat (so message ids interleave with the bot's, as in
a real chat), writes an ``in`` transcript entry and queues the update for ``getUpdates`` or the
webhook. ``press`` only works on a message the bot really sent and still has, with a button that
really carries ``callback_data`` — the same guarantees a real client gives.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from devkit.fakes.telegram.model import CallRecord, FakeChat, TranscriptEntry, inline_buttons
from devkit.fakes.telegram.updates import (
    callback_query_body,
    contact_content,
    document_content,
    location_content,
    my_chat_member_body,
    photo_sizes,
    text_content,
)

if TYPE_CHECKING:
    from devkit.fakes.telegram.state import FakeTelegramState

__all__ = ["ButtonRef", "ChatRef", "MessageRef", "SimulatedUser"]

ChatRef = int | FakeChat | None
MessageRef = dict[str, Any] | TranscriptEntry | CallRecord | int
ButtonRef = str | int | tuple[int, int]

# Bytes with a 1×1 JPEG header: enough for a bot that downloads what the user sent.
_TINY_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c19"
    "12130f141d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b08"
    "0001000101011100ffc4001f0000010501010101010100000000000000000102030405060708090a0bffda0008010100"
    "003f00d2cf20ffd9"
)


class SimulatedUser:
    def __init__(
        self,
        state: FakeTelegramState,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> None:
        self._state = state
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code

    def __repr__(self) -> str:
        return f"SimulatedUser(id={self.id}, first_name={self.first_name!r})"

    @property
    def chat_id(self) -> int:
        """The private chat with the bot (its id equals the user's id, as in Telegram)."""
        return self.id

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for name in ("last_name", "username", "language_code"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data

    def _chat(self, chat: ChatRef) -> FakeChat:
        if isinstance(chat, FakeChat):
            return chat
        found = self._state.chats.get(self.id if chat is None else chat)
        if found is None:
            raise LookupError(f"chat {chat} is unknown to the fake; add it with state.add_chat()")
        found.member_ids.add(self.id)
        return found

    def _send(
        self, chat: ChatRef, content: dict[str, Any], kind: str, text: str | None = None
    ) -> dict[str, Any]:
        target = self._chat(chat)
        message = self._state.store_message(target, content, sender=self.to_json(), from_bot=False)
        self._state.add_entry(
            target.id,
            "in",
            "message",
            message_id=message["message_id"],
            text=text,
            data={"content_type": kind, "user_id": self.id},
        )
        return self._state.enqueue_update({"message": message})

    def send_text(
        self, chat: ChatRef, text: str, *, reply_to_message_id: int | None = None
    ) -> dict[str, Any]:
        """Type ``text`` into ``chat`` (``None`` = the private chat); returns the Update."""
        content = text_content(text)
        if reply_to_message_id is not None:
            replied = self._state.message(self._chat(chat).id, reply_to_message_id)
            if replied is not None:
                content["reply_to_message"] = replied
        return self._send(chat, content, "text", text)

    def send_command(self, command: str, args: str = "", chat: ChatRef = None) -> dict[str, Any]:
        """``/command args`` (e.g. ``send_command("start", "invite-token")`` for a deep link)."""
        text = "/" + command.lstrip("/") + (f" {args}" if args else "")
        return self.send_text(chat, text)

    def share_contact(
        self,
        chat: ChatRef = None,
        *,
        phone_number: str = "+998901234567",
        first_name: str | None = None,
        last_name: str | None = None,
        own: bool = True,
    ) -> dict[str, Any]:
        """Share a contact; ``own=True`` is the "request_contact" button (``user_id`` = sender)."""
        content = contact_content(
            phone_number,
            first_name or self.first_name,
            last_name if last_name is not None else (self.last_name if own else None),
            self.id if own else None,
        )
        return self._send(chat, content, "contact", phone_number)

    def send_photo(
        self,
        chat: ChatRef = None,
        *,
        data: bytes | None = None,
        caption: str | None = None,
        width: int = 1280,
        height: int = 960,
    ) -> dict[str, Any]:
        stored = self._state.files.add("photo", data if data is not None else _TINY_JPEG)
        content: dict[str, Any] = {"photo": photo_sizes(stored, width, height)}
        if caption:
            content["caption"] = caption
        return self._send(chat, content, "photo", caption)

    def send_document(
        self,
        chat: ChatRef = None,
        *,
        data: bytes = b"%PDF-1.4\n%fake\n",
        filename: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> dict[str, Any]:
        stored = self._state.files.add("document", data, filename)
        content = document_content(stored, filename, mime_type)
        if caption:
            content["caption"] = caption
        return self._send(chat, content, "document", caption)

    def send_location(
        self, chat: ChatRef = None, *, latitude: float = 41.311081, longitude: float = 69.240562
    ) -> dict[str, Any]:
        return self._send(chat, location_content(latitude, longitude), "location")

    def press(self, message: MessageRef, button: ButtonRef) -> dict[str, Any]:
        """Press an inline button of a message the bot sent: by text, flat index or (row, col)."""
        chat_id, message_id = self._message_ref(message)
        current = self._state.message(chat_id, message_id)
        if current is None or not self._state.is_bot_message(chat_id, message_id):
            raise LookupError(f"the bot has no message {message_id} in chat {chat_id}")
        chosen = _find_button(inline_buttons(current.get("reply_markup")), button)
        data = chosen.get("callback_data")
        if not isinstance(data, str):
            raise LookupError(f"button {chosen.get('text')!r} carries no callback_data")
        query_id = self._state.open_callback_query(chat_id, message_id, self.id)
        self._state.add_entry(
            chat_id,
            "in",
            "callback_query",
            message_id=message_id,
            text=str(chosen.get("text")),
            data={"callback_data": data, "query_id": query_id, "user_id": self.id},
        )
        return self._state.enqueue_update(
            callback_query_body(query_id, self.to_json(), current, data)
        )

    def press_button(self, text: str, chat: ChatRef = None) -> dict[str, Any]:
        """Press the button ``text`` on the newest bot message in ``chat`` that has one."""
        target = self._chat(chat)
        message = self._state.last_bot_message(target.id, with_button=text)
        if message is None:
            raise LookupError(f"no bot message in chat {target.id} has a button {text!r}")
        return self.press(message, text)

    def block_bot(self) -> dict[str, Any]:
        """Block the bot: later sends answer 403; the bot gets a ``my_chat_member`` update."""
        self._state.block_chat(self.chat_id, True)
        return self._member_update("member", "kicked")

    def unblock_bot(self) -> dict[str, Any]:
        self._state.block_chat(self.chat_id, False)
        return self._member_update("kicked", "member")

    def _member_update(self, old: str, new: str) -> dict[str, Any]:
        chat = self._chat(None)
        self._state.add_entry(chat.id, "in", "my_chat_member", data={"status": new})
        body = my_chat_member_body(chat.to_json(), self.to_json(), self._state.bot_user(), old, new)
        return self._state.enqueue_update(body)

    def _message_ref(self, message: MessageRef) -> tuple[int, int]:
        if isinstance(message, int):
            return self.chat_id, message
        if isinstance(message, TranscriptEntry):
            if message.message_id is None:
                raise LookupError("the transcript entry refers to no message")
            return message.chat_id, message.message_id
        if isinstance(message, CallRecord):
            message = message.result
        if isinstance(message, dict) and "message_id" in message and "chat" in message:
            return int(message["chat"]["id"]), int(message["message_id"])
        raise LookupError("not a message: pass a Message dict, transcript entry, call or id")


def _find_button(rows: list[list[dict[str, Any]]], button: ButtonRef) -> dict[str, Any]:
    flat = [b for row in rows for b in row]
    try:
        if isinstance(button, tuple):
            return rows[button[0]][button[1]]
        if isinstance(button, int):
            return flat[button]
    except IndexError:
        raise LookupError(f"no button at {button!r}") from None
    for candidate in flat:
        if candidate.get("text") == button:
            return candidate
    texts = [b.get("text") for b in flat]
    raise LookupError(f"no button {button!r}; the message has {texts}")
