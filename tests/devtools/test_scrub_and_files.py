"""Scrubbing recorded updates, update files, transcript rendering and diffs (no servers)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devkit.tools.compare import transcript_diff
from devkit.tools.scrub import Scrubber, bot_vocabulary
from devkit.tools.transcript import Inbound, Note, Outbound, Transcript, describe_update
from devkit.tools.updates import UpdateFileError, dump_line, load_updates, to_items


def message(uid: int, user: int, text: str, **extra: Any) -> dict[str, Any]:
    person = {
        "id": user,
        "is_bot": False,
        "first_name": "Aziz",
        "last_name": "Karimov",
        "username": "aziz_k",
        "language_code": "uz",
    }
    chat = {"id": user, "type": "private", "first_name": "Aziz", "username": "aziz_k"}
    body = {"message_id": uid, "date": 1700000000, "from": person, "chat": chat, "text": text}
    body.update(extra)
    return {"update_id": uid, "message": body}


def test_scrub_replaces_personal_data_and_remaps_ids_consistently() -> None:
    scrubber = Scrubber()
    contact = {"phone_number": "+998901234567", "first_name": "Aziz", "user_id": 555}
    updates = [
        message(
            1,
            555,
            "/start invite-abc",
            entities=[{"type": "bot_command", "offset": 0, "length": 6}],
        ),
        message(2, 777, "my flat at Olmazor 5 leaks"),
        {"update_id": 3, "message": {**message(3, 555, "x")["message"], "contact": contact}},
        message(4, 555, "my flat at Olmazor 5 leaks"),
    ]
    del updates[2]["message"]["text"]
    out = [scrubber.update(u) for u in updates]
    text = json.dumps(out, ensure_ascii=False)
    for secret in ("Aziz", "Karimov", "aziz_k", "+998901234567", "Olmazor", "invite-abc"):
        assert secret not in text
    first, second, shared_contact, fourth = out
    # Same input id -> same output id, everywhere it appears (sender, chat, contact owner).
    assert first["message"]["from"]["id"] == first["message"]["chat"]["id"] == 1_000_001
    assert second["message"]["from"]["id"] == 1_000_002
    assert shared_contact["message"]["contact"]["user_id"] == 1_000_001
    assert fourth["message"]["from"]["id"] == 1_000_001
    # Commands keep their name (so replays take the same branch), arguments do not.
    assert first["message"]["text"] == "/start text 1"
    assert first["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    # Equal texts get equal placeholders; names become stand-ins with the remapped number.
    assert second["message"]["text"] == fourth["message"]["text"] == "text 2"
    assert first["message"]["from"]["first_name"] == "User 1"
    assert second["message"]["from"]["username"] == "user2"
    assert shared_contact["message"]["contact"]["phone_number"] == "+998900000001"
    assert first["update_id"] == 1 and first["message"]["date"] == 1700000000
    assert updates[0]["message"]["text"] == "/start invite-abc"  # the input is not modified


def test_scrub_keeps_the_bot_and_callback_data() -> None:
    bot = {"id": 42, "is_bot": True, "first_name": "Gateway", "username": "gw_bot"}
    query = {
        "id": "q1",
        "from": {"id": 555, "is_bot": False, "first_name": "Aziz"},
        "data": "req:confirm:17",
        "message": {
            "message_id": 9,
            "date": 1,
            "from": bot,
            "chat": {"id": 555, "type": "private", "first_name": "Aziz"},
            "text": "Confirm request for Aziz?",
        },
    }
    out = Scrubber().update({"update_id": 5, "callback_query": query})["callback_query"]
    assert out["data"] == "req:confirm:17"
    assert out["message"]["from"] == bot
    assert out["message"]["chat"]["id"] == out["from"]["id"] == 1_000_001
    assert "Aziz" not in json.dumps(out)


def test_update_files_accept_recorded_and_bare_lines(tmp_path: Path) -> None:
    path = tmp_path / "u.jsonl"
    path.write_text(
        "# a comment\n"
        + dump_line(message(1, 5, "hi"), 1700000000.1234)
        + "\n\n"
        + json.dumps(message(2, 5, "there"))
        + "\n"
    )
    items = load_updates(path)
    assert [i.update_id for i in items] == [1, 2]
    assert items[0].ts == 1700000000.123 and items[1].ts is None
    assert json.loads(items[0].raw) == message(1, 5, "hi")
    assert [
        i.update_id for i in to_items([message(3, 5, "x"), json.dumps(message(4, 5, "y"))])
    ] == [3, 4]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{not json", "not valid JSON"),
        ('{"update": {"x": 1}}', "no integer update_id"),
        ('{"ts": "soon", "update": {"update_id": 1}}', "ts must be a number of seconds"),
        ("[1]", "not a JSON object"),
    ],
)
def test_a_bad_line_is_named(tmp_path: Path, line: str, reason: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(message(1, 5, "ok")) + "\n" + line + "\n")
    with pytest.raises(UpdateFileError) as info:
        load_updates(path)
    assert str(info.value) == f"{path}:2: {reason}"


def test_transcript_text_is_stable_and_readable() -> None:
    inbound = describe_update(message(7, 5, "/start"))
    assert inbound == Inbound(7, "message", 5, "/start")
    markup = {
        "inline_keyboard": [
            [{"text": "Yes", "callback_data": "y"}, {"text": "Site", "url": "https://x"}]
        ],
    }
    timeline: list[tuple[float, int, str, Inbound | Outbound | Note]] = [
        (0, 0, "5", inbound),
        (
            0,
            1,
            "5",
            Outbound(
                "sendMessage",
                {"chat_id": 5, "text": "Hi\nthere", "reply_markup": markup, "parse_mode": "HTML"},
            ),
        ),
        (
            1,
            1,
            "5",
            Outbound(
                "editMessageText",
                {"chat_id": 5, "message_id": 3, "text": "x"},
                400,
                "Bad Request: message is not modified",
            ),
        ),
        (2, 1, "bot", Outbound("getMe", {})),
    ]
    transcript = Transcript.from_timeline(timeline, [("5", Note("update 9 dead-lettered"))])
    assert transcript.render() == (
        "## chat 5\n"
        "> message from 5: /start\n"
        "< sendMessage: Hi\n"
        "    | there\n"
        "    inline: [Yes -> y] [Site -> https://x]\n"
        "< editMessageText #3 -> 400 Bad Request: message is not modified: x\n"
        "! update 9 dead-lettered\n"
    )
    assert transcript.texts(5) == ["Hi\nthere"]
    assert json.loads(transcript.render_json())["chats"][0]["events"][1]["method"] == "sendMessage"


def test_diff_is_empty_on_a_match_and_unified_otherwise() -> None:
    assert transcript_diff("a\nb\n", "a\nb") == ""
    diff = transcript_diff("a\nb\n", "a\nc\n", "saved.txt")
    assert diff.splitlines() == ["--- saved.txt", "+++ actual", "@@ -1,2 +1,2 @@", " a", "-b", "+c"]


def test_scrub_reaches_button_labels_venues_and_keeps_the_bots_vocabulary() -> None:
    person = {"id": 555_001, "is_bot": False, "first_name": "Aziz", "username": "aziz_k"}
    chat = {"id": 555_001, "type": "private", "first_name": "Aziz"}
    bot_card = {
        "message_id": 7,
        "date": 1700000000,
        "chat": chat,
        "from": {"id": 42, "is_bot": True, "first_name": "Gateway"},
        "text": "Aziz Karimov, +998901112233, Olmazor-1, дом 5, кв. 12",
        "reply_markup": {
            "inline_keyboard": [
                [
                    {"text": "User 555001", "callback_data": "usr:555001:edit"},
                    {"text": "Olmazor-1, дом 5, кв. 12", "callback_data": "apt:12"},
                ],
                [
                    {"text": "Подтвердить", "callback_data": "ok"},
                    {"text": "◀", "callback_data": "pg:1"},
                    {"text": "+998901112233", "callback_data": "ph"},
                    {"text": "site", "url": "https://example.org/u/555001"},
                ],
            ]
        },
    }
    scrubber = Scrubber(vocabulary=bot_vocabulary())
    press = scrubber.update(
        {
            "update_id": 1,
            "callback_query": {
                "id": "9911",
                "from": person,
                "message": bot_card,
                "chat_instance": "-77",
                "data": "usr:555001:edit",
            },
        }
    )
    typed = scrubber.update(
        {
            "update_id": 2,
            "message": {
                "message_id": 8,
                "date": 1700000001,
                "from": person,
                "chat": chat,
                "text": "Мои заявки",
            },
        }
    )
    venue = scrubber.update(
        {
            "update_id": 3,
            "message": {
                "message_id": 9,
                "date": 1700000002,
                "from": person,
                "chat": chat,
                "caption": "my kitchen",
                "venue": {
                    "location": {"latitude": 41.3, "longitude": 69.2},
                    "title": "Aziz's flat",
                    "address": "Olmazor-1, дом 5, кв. 12",
                },
            },
        }
    )
    text = json.dumps([press, typed, venue], ensure_ascii=False)
    for personal in ("Aziz", "Karimov", "aziz_k", "555001", "Olmazor", "998901112233", "kitchen"):
        assert personal not in text, personal
    rows = press["callback_query"]["message"]["reply_markup"]["inline_keyboard"]
    labels = [b["text"] for row in rows for b in row]
    assert labels == ["button 1", "button 2", "Подтвердить", "◀", "button 3", "button 4"]
    stand_in = press["callback_query"]["from"]["id"]
    assert rows[0][0]["callback_data"] == f"usr:{stand_in}:edit"  # same mapping as the sender
    assert press["callback_query"]["data"] == f"usr:{stand_in}:edit"
    assert rows[0][1]["callback_data"] == "apt:12"  # the bot's own numbers stay
    assert typed["message"]["text"] == "Мои заявки"  # a menu label replays the same branch
    place = venue["message"]["venue"]
    assert {place["title"], place["address"]} == {"address 1", "address 2"}
