"""The ordering key of a raw Telegram update, from a partial decode of only the fields it needs.

The key is ``c<chat id>`` for anything with a chat and ``c<user id>`` (the user's private chat) for
updates without one: inline queries, chosen inline results, poll answers, shipping and pre-checkout
queries, callback queries from inline messages, business connections, paid-media purchases.  It is
exactly the chat aiogram's FSM falls back to (``chat_id = chat.id if chat else user.id``), so the
ordering key is never finer than the FSM key: two updates that share FSM state share an order.
``poll`` (a poll's new state) has neither and gets a key of its own (``u<update_id>``); an update
type this module does not know is keyed by a ``chat``, ``from`` or ``user`` object inside it when
there is one, else by its own id.

Only ``update_id`` and those ids are decoded (msgspec skips everything else without building it),
so parsing costs little more than validating the JSON.
"""

from __future__ import annotations

from typing import Any

import msgspec

from shared.errors import InvalidUpdate

__all__ = ["MAX_UPDATE_ID", "Envelope", "parse_envelope"]

# Inbox scores are Lua/Redis doubles: ids must stay exact.
MAX_UPDATE_ID = 2**53 - 1


class Envelope(msgspec.Struct, frozen=True):
    update_id: int
    ordering_key: str
    update_type: str


class _Id(msgspec.Struct):
    id: int


class _HasChat(msgspec.Struct):
    chat: _Id | None = None


class _HasFrom(msgspec.Struct):
    from_: _Id | None = msgspec.field(default=None, name="from")


class _HasUser(msgspec.Struct):
    user: _Id | None = None


class _Callback(msgspec.Struct):
    from_: _Id | None = msgspec.field(default=None, name="from")
    message: _HasChat | None = None


class _PollAnswer(msgspec.Struct):
    voter_chat: _Id | None = None
    user: _Id | None = None


class _Present(msgspec.Struct):
    pass


class _Update(msgspec.Struct):
    update_id: int
    message: _HasChat | None = None
    edited_message: _HasChat | None = None
    channel_post: _HasChat | None = None
    edited_channel_post: _HasChat | None = None
    business_connection: _HasUser | None = None
    business_message: _HasChat | None = None
    edited_business_message: _HasChat | None = None
    deleted_business_messages: _HasChat | None = None
    guest_message: _HasChat | None = None
    message_reaction: _HasChat | None = None
    message_reaction_count: _HasChat | None = None
    inline_query: _HasFrom | None = None
    chosen_inline_result: _HasFrom | None = None
    callback_query: _Callback | None = None
    shipping_query: _HasFrom | None = None
    pre_checkout_query: _HasFrom | None = None
    purchased_paid_media: _HasFrom | None = None
    poll: _Present | None = None
    poll_answer: _PollAnswer | None = None
    my_chat_member: _HasChat | None = None
    chat_member: _HasChat | None = None
    chat_join_request: _HasChat | None = None
    chat_boost: _HasChat | None = None
    removed_chat_boost: _HasChat | None = None
    managed_bot: _HasUser | None = None
    subscription: _HasUser | None = None
    stopped_message_generation: _HasChat | None = None


_DECODER = msgspec.json.Decoder(_Update)
_TYPES: tuple[str, ...] = tuple(f for f in _Update.__struct_fields__ if f != "update_id")


def _key_of(name: str, event: Any) -> int | None:
    """The chat (or user) id aiogram's FSM would use for this event; None for a per-update key."""
    if isinstance(event, _HasChat):
        return event.chat.id if event.chat else None
    if isinstance(event, _HasFrom):
        return event.from_.id if event.from_ else None
    if isinstance(event, _HasUser):
        return event.user.id if event.user else None
    if isinstance(event, _Callback):
        # A callback from an inline message has no message: the user's own chat.
        if event.message is not None and event.message.chat is not None:
            return event.message.chat.id
        return event.from_.id if event.from_ else None
    if isinstance(event, _PollAnswer):
        # An anonymous vote on behalf of a chat is keyed like aiogram: the voter chat.
        chosen = event.voter_chat or event.user
        return chosen.id if chosen else None
    return None


def _check_id(value: Any) -> int:
    if type(value) is not int or not 0 <= value <= MAX_UPDATE_ID:
        raise InvalidUpdate("no_update_id")
    return value


def _lenient(raw: bytes) -> Envelope:
    """Slow path: an unknown update type, or a known one whose inner shape surprised us."""
    try:
        data = msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        raise InvalidUpdate("not_json") from None
    if not isinstance(data, dict):
        raise InvalidUpdate("not_object")
    uid = _check_id(data.get("update_id"))
    for name, event in data.items():
        if name == "update_id" or not isinstance(event, dict):
            continue
        for field in ("chat", "from", "user", "voter_chat"):
            inner = event.get(field)
            if isinstance(inner, dict) and type(inner.get("id")) is int:
                return Envelope(uid, f"c{inner['id']}", name)
        message = event.get("message")
        if isinstance(message, dict) and isinstance(message.get("chat"), dict):
            chat_id = message["chat"].get("id")
            if type(chat_id) is int:
                return Envelope(uid, f"c{chat_id}", name)
        return Envelope(uid, f"u{uid}", name)
    return Envelope(uid, f"u{uid}", "unknown")


def parse_envelope(raw: bytes) -> Envelope:
    """Update id, ordering key and type of a raw update.

    Raises :class:`InvalidUpdate` with reason ``not_json`` (nested too deep included),
    ``not_object`` or ``no_update_id`` (missing, not an integer, negative or above 2**53 - 1).
    """
    try:
        update = _DECODER.decode(raw)
    except msgspec.ValidationError:
        return _lenient(raw)
    except (msgspec.DecodeError, RecursionError):
        # msgspec refuses nesting deeper than the interpreter's recursion limit (~1,000 levels,
        # a 2 KB body) with RecursionError, skipped fields included: JSON no update can be.
        raise InvalidUpdate("not_json") from None
    uid = _check_id(update.update_id)
    for name in _TYPES:
        event = getattr(update, name)
        if event is None:
            continue
        owner = _key_of(name, event)
        return Envelope(uid, f"c{owner}" if owner is not None else f"u{uid}", name)
    return _lenient(raw)
