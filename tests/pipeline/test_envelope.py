"""parse_envelope over every update type, checked against aiogram's own FSM key resolution."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.types import Update

from shared.errors import InvalidUpdate
from shared.pipeline import Envelope, parse_envelope

USER = {"id": 7, "is_bot": False, "first_name": "A"}
OTHER = {"id": 8, "is_bot": False, "first_name": "B"}
GROUP = {"id": -1001, "type": "supergroup", "title": "g"}
MSG = {"message_id": 1, "date": 0, "chat": GROUP, "from": USER, "text": "x"}
PREMIUM = {"source": "premium", "user": USER}
POLL = {
    "id": "p",
    "question": "q",
    "options": [],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
    "allows_revoting": False,
    "members_only": False,
}
MEMBER = {
    "chat": GROUP,
    "from": USER,
    "date": 0,
    "old_chat_member": {"status": "left", "user": OTHER},
    "new_chat_member": {"status": "member", "user": OTHER},
}

# update type -> (event object, expected ordering key)
CASES: dict[str, tuple[dict[str, Any], str]] = {
    "message": (MSG, "c-1001"),
    "edited_message": ({**MSG, "edit_date": 1}, "c-1001"),
    "channel_post": ({k: v for k, v in MSG.items() if k != "from"}, "c-1001"),
    "edited_channel_post": ({k: v for k, v in MSG.items() if k != "from"}, "c-1001"),
    "business_connection": (
        {
            "id": "bc",
            "user": USER,
            "user_chat_id": 7,
            "date": 0,
            "can_reply": True,
            "is_enabled": True,
        },
        "c7",
    ),
    "business_message": ({**MSG, "business_connection_id": "bc"}, "c-1001"),
    "edited_business_message": ({**MSG, "business_connection_id": "bc"}, "c-1001"),
    "deleted_business_messages": (
        {"business_connection_id": "bc", "chat": GROUP, "message_ids": [1]},
        "c-1001",
    ),
    "guest_message": (MSG, "c-1001"),
    "message_reaction": (
        {
            "chat": GROUP,
            "message_id": 1,
            "date": 0,
            "old_reaction": [],
            "new_reaction": [],
            "user": USER,
        },
        "c-1001",
    ),
    "message_reaction_count": (
        {"chat": GROUP, "message_id": 1, "date": 0, "reactions": []},
        "c-1001",
    ),
    "inline_query": ({"id": "q", "from": USER, "query": "", "offset": ""}, "c7"),
    "chosen_inline_result": ({"result_id": "r", "from": USER, "query": ""}, "c7"),
    "callback_query": (
        {"id": "cb", "from": USER, "chat_instance": "ci", "message": MSG, "data": "d"},
        "c-1001",
    ),
    "shipping_query": (
        {
            "id": "s",
            "from": USER,
            "invoice_payload": "p",
            "shipping_address": {
                "country_code": "UZ",
                "state": "",
                "city": "T",
                "street_line1": "a",
                "street_line2": "",
                "post_code": "1",
            },
        },
        "c7",
    ),
    "pre_checkout_query": (
        {
            "id": "pc",
            "from": USER,
            "currency": "UZS",
            "total_amount": 1,
            "invoice_payload": "p",
        },
        "c7",
    ),
    "purchased_paid_media": ({"from": USER, "paid_media_payload": "p"}, "c7"),
    "poll": (POLL, "u42"),
    "poll_answer": (
        {"poll_id": "p", "user": USER, "option_ids": [0], "option_persistent_ids": ["a"]},
        "c7",
    ),
    "my_chat_member": (MEMBER, "c-1001"),
    "chat_member": (MEMBER, "c-1001"),
    "chat_join_request": (
        {"chat": GROUP, "from": USER, "user_chat_id": 7, "date": 0},
        "c-1001",
    ),
    "chat_boost": (
        {
            "chat": GROUP,
            "boost": {"boost_id": "b", "add_date": 0, "expiration_date": 0, "source": PREMIUM},
        },
        "c-1001",
    ),
    "removed_chat_boost": (
        {"chat": GROUP, "boost_id": "b", "remove_date": 0, "source": PREMIUM},
        "c-1001",
    ),
    "managed_bot": (
        {"user": USER, "bot": {"id": 9, "is_bot": True, "first_name": "Bot"}},
        "c7",
    ),
    "subscription": ({"user": USER, "invoice_payload": "p", "state": "active"}, "c7"),
    "stopped_message_generation": ({"chat": GROUP, "draft_id": 1}, "c-1001"),
}


def _raw(name: str, event: dict[str, Any], uid: int = 42) -> bytes:
    return json.dumps({"update_id": uid, name: event}).encode()


def test_every_update_type_aiogram_knows_is_covered() -> None:
    known = set(Update.model_fields) - {"update_id"}
    assert known <= set(CASES), sorted(known - set(CASES))


@pytest.mark.parametrize("name", sorted(CASES))
def test_ordering_key_per_type(name: str) -> None:
    event, expected = CASES[name]
    env = parse_envelope(_raw(name, event))
    assert env == Envelope(update_id=42, ordering_key=expected, update_type=name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_key_is_the_chat_aiogram_fsm_uses(name: str) -> None:
    """The FSM key is (chat or user, ...): our key must be exactly that chat, never finer."""
    event, _ = CASES[name]
    update = Update.model_validate({"update_id": 42, name: event})
    ctx = UserContextMiddleware.resolve_event_context(update)
    fsm_chat = ctx.chat_id if ctx.chat_id is not None else ctx.user_id
    env = parse_envelope(_raw(name, event))
    if fsm_chat is None:
        assert env.ordering_key == "u42"  # no FSM state at all: a key of its own
    else:
        assert env.ordering_key == f"c{fsm_chat}"


def test_callback_from_inline_message_uses_the_user() -> None:
    event = {"id": "cb", "from": USER, "chat_instance": "ci", "inline_message_id": "im"}
    assert parse_envelope(_raw("callback_query", event)).ordering_key == "c7"


def test_anonymous_poll_vote_uses_the_voter_chat() -> None:
    event = {"poll_id": "p", "voter_chat": GROUP, "option_ids": [0]}
    assert parse_envelope(_raw("poll_answer", event)).ordering_key == "c-1001"


def test_private_chat_and_inline_query_of_one_user_share_a_key() -> None:
    private = {**MSG, "chat": {"id": 7, "type": "private", "first_name": "A"}}
    a = parse_envelope(_raw("message", private))
    b = parse_envelope(_raw("inline_query", CASES["inline_query"][0]))
    assert a.ordering_key == b.ordering_key == "c7"


@pytest.mark.parametrize(
    ("raw", "key", "kind"),
    [
        (b'{"update_id": 5, "future_thing": {"from": {"id": 3}}}', "c3", "future_thing"),
        (b'{"update_id": 5, "future_thing": {"chat": {"id": -9}}}', "c-9", "future_thing"),
        (b'{"update_id": 5, "future_thing": {"x": 1}}', "u5", "future_thing"),
        (b'{"update_id": 5}', "u5", "unknown"),
        # a known type with a surprising inner shape still gets a (per-update) key
        (b'{"update_id": 5, "message": {"chat": {"id": "oops"}}}', "u5", "message"),
    ],
)
def test_unknown_or_odd_updates_still_get_a_key(raw: bytes, key: str, kind: str) -> None:
    env = parse_envelope(raw)
    assert (env.update_id, env.ordering_key, env.update_type) == (5, key, kind)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "not_json"),
        (b"{", "not_json"),
        (b"\xff\xfe", "not_json"),
        (b"[]", "not_object"),
        (b"5", "not_object"),
        (b'"update"', "not_object"),
        (b"{}", "no_update_id"),
        (b'{"update_id": "5"}', "no_update_id"),
        (b'{"update_id": true}', "no_update_id"),
        (b'{"update_id": 1.5}', "no_update_id"),
        (b'{"update_id": -1}', "no_update_id"),
        (b'{"update_id": 9007199254740992}', "no_update_id"),
        (b'{"update_id": null, "message": {}}', "no_update_id"),
    ],
)
def test_invalid_updates(raw: bytes, reason: str) -> None:
    with pytest.raises(InvalidUpdate) as info:
        parse_envelope(raw)
    assert info.value.reason == reason
