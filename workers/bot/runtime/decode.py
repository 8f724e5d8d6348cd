"""Decide what an update is before aiogram sees it, and decode only the parts the bot reads.

aiogram's pydantic models are complete and exact, and some of them cost more than linear time to
validate: ``Message.rich_message`` (Bot API 10's ``RichText``) is a recursive union that pydantic
resolves by trying every member at every level, so formatting nested 4 deep took 0.5-2 s and
5 deep 11-30 s on the event loop. The bot reads a handful of fields of two update types, so:

1. :func:`triage` decodes the raw bytes once with msgspec into structs that name only those
   fields (msgspec skips everything else in C without building it: linear in the body, whatever
   is nested inside) and decides the update's fate from its type and chat type:

   - ``"bot"``: a ``message`` in a private chat, or a ``callback_query`` from one (or from an
     inline message, answered by the fallback): the only updates the bot's handlers take;
   - ``"leave"``: ``my_chat_member`` saying the bot was added to a group, supergroup or
     channel: the bot is for private chats, so it leaves (:class:`Triage` carries the chat id);
   - ``"ignored"``: everything else — messages in groups and channels, business and guest
     messages, edits, reactions, polls, payments, boosts, membership changes of private chats
     and any type this module does not know. Acknowledged and counted by type and chat type.

2. For ``"bot"`` updates, :meth:`Triage.update` hands aiogram the pruned document (only the named
   fields, every one of them flat or a list of flat objects), so pydantic's work is linear too and
   smaller than the full update's. Fields the bot does not read (``rich_message``, replies,
   quotes, stories, games …) never reach the handlers: such a message looks empty to them, which
   is how they already treat content they do not support (the menu hint).

Everything here is a pure function of the bytes; nothing is awaited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import msgspec
from aiogram import Bot
from aiogram.types import Update

__all__ = ["HANDLED_TYPES", "Fate", "Triage", "triage"]

Fate = Literal["bot", "leave", "ignored", "invalid"]

# The update types whose handling is not "acknowledge and count": what ingest asks Telegram for.
HANDLED_TYPES: Final[tuple[str, ...]] = ("message", "callback_query", "my_chat_member")

_PRIVATE = "private"
_GROUPS = frozenset({"group", "supergroup", "channel"})
# A chat member status that means the bot is in the chat (it left or was removed otherwise).
_PRESENT = frozenset({"member", "administrator", "creator", "restricted"})
_CHAT_TYPES = frozenset({"private", "group", "supergroup", "channel"})


class _Flat(msgspec.Struct, omit_defaults=True):
    """Structs the pruned document is written from: ``None`` fields are left out of it."""


class _User(_Flat):
    id: int
    is_bot: bool
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_premium: bool | None = None


class _Chat(_Flat):
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool | None = None


class _Entity(_Flat):
    type: str
    offset: int
    length: int
    url: str | None = None
    user: _User | None = None
    language: str | None = None
    custom_emoji_id: str | None = None


class _PhotoSize(_Flat):
    file_id: str
    file_unique_id: str
    width: int
    height: int
    file_size: int | None = None


class _Video(_Flat):
    file_id: str
    file_unique_id: str
    width: int
    height: int
    duration: int
    thumbnail: _PhotoSize | None = None
    file_name: str | None = None
    mime_type: str | None = None
    file_size: int | None = None


class _Contact(_Flat):
    phone_number: str
    first_name: str
    last_name: str | None = None
    user_id: int | None = None
    vcard: str | None = None


class _Message(_Flat):
    message_id: int
    date: int
    chat: _Chat
    message_thread_id: int | None = None
    from_: _User | None = msgspec.field(default=None, name="from")
    sender_chat: _Chat | None = None
    edit_date: int | None = None
    media_group_id: str | None = None
    text: str | None = None
    entities: list[_Entity] | None = None
    caption: str | None = None
    caption_entities: list[_Entity] | None = None
    photo: list[_PhotoSize] | None = None
    video: _Video | None = None
    contact: _Contact | None = None


class _Callback(_Flat):
    id: str
    from_: _User = msgspec.field(name="from")
    chat_instance: str
    # An inaccessible message (date 0) has the same three fields the bot reads.
    message: _Message | None = None
    inline_message_id: str | None = None
    data: str | None = None
    game_short_name: str | None = None


class _Status(msgspec.Struct):
    status: str


class _MemberUpdate(msgspec.Struct):
    chat: _Chat
    new_chat_member: _Status


class _Present(msgspec.Struct):
    """Any object: its fields are skipped, only its presence is kept."""


class _Update(msgspec.Struct):
    update_id: int
    message: _Message | None = None
    callback_query: _Callback | None = None
    my_chat_member: _MemberUpdate | None = None
    # Every other type Bot API 10.x sends (aiogram 3.31's Update fields): present or not.
    edited_message: _Present | None = None
    channel_post: _Present | None = None
    edited_channel_post: _Present | None = None
    business_connection: _Present | None = None
    business_message: _Present | None = None
    edited_business_message: _Present | None = None
    deleted_business_messages: _Present | None = None
    guest_message: _Present | None = None
    message_reaction: _Present | None = None
    message_reaction_count: _Present | None = None
    inline_query: _Present | None = None
    chosen_inline_result: _Present | None = None
    shipping_query: _Present | None = None
    pre_checkout_query: _Present | None = None
    purchased_paid_media: _Present | None = None
    poll: _Present | None = None
    poll_answer: _Present | None = None
    chat_member: _Present | None = None
    chat_join_request: _Present | None = None
    chat_boost: _Present | None = None
    removed_chat_boost: _Present | None = None
    managed_bot: _Present | None = None
    subscription: _Present | None = None
    stopped_message_generation: _Present | None = None


KNOWN_TYPES: Final[tuple[str, ...]] = tuple(
    name for name in _Update.__struct_fields__ if name != "update_id"
)
_DECODER = msgspec.json.Decoder(_Update)


@dataclass(frozen=True, slots=True)
class Triage:
    """What :func:`triage` decided; ``update_type`` and ``chat_type`` are bounded label values."""

    fate: Fate
    update_type: str
    chat_type: str
    chat_id: int | None = None
    _event: _Message | _Callback | None = None
    _update_id: int = 0

    def update(self, bot: Bot) -> Update:
        """The aiogram ``Update`` of a ``"bot"`` update, from the pruned document only."""
        if self._event is None:
            raise ValueError(f"no update for the bot in a {self.fate!r} triage")
        document = {
            "update_id": self._update_id,
            self.update_type: msgspec.to_builtins(self._event),
        }
        return Update.model_validate(document, context={"bot": bot})


def _chat_label(chat_type: str | None) -> str:
    if chat_type is None:
        return "none"
    return chat_type if chat_type in _CHAT_TYPES else "other"


def triage(raw: bytes) -> Triage:
    """Decide ``raw``'s fate in time linear in its size; ``"invalid"`` for bytes that do not decode
    as an update (ingest checked them already, so that is a newer schema or a bug)."""
    try:
        update = _DECODER.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        # ValidationError is a DecodeError: a read field of an unexpected type, or no update_id.
        return Triage("invalid", "unknown", "none")
    if (message := update.message) is not None:
        chat_type = message.chat.type
        fate: Fate = "bot" if chat_type == _PRIVATE else "ignored"
        return Triage(
            fate, "message", _chat_label(chat_type), message.chat.id, message, update.update_id
        )
    if (query := update.callback_query) is not None:
        if query.message is None:
            return Triage("bot", "callback_query", "none", None, query, update.update_id)
        chat = query.message.chat
        fate = "bot" if chat.type == _PRIVATE else "ignored"
        return Triage(
            fate, "callback_query", _chat_label(chat.type), chat.id, query, update.update_id
        )
    if (member := update.my_chat_member) is not None:
        chat = member.chat
        joined = chat.type in _GROUPS and member.new_chat_member.status in _PRESENT
        return Triage(
            "leave" if joined else "ignored", "my_chat_member", _chat_label(chat.type), chat.id
        )
    for name in KNOWN_TYPES[3:]:
        if getattr(update, name) is not None:
            return Triage("ignored", name, "none")
    return Triage("ignored", "unknown", "none")
