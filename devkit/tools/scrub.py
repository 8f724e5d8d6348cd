"""Remove personal data from recorded updates while keeping them replayable.

What is replaced, wherever it appears in an update (the sender, the chat, a contact, a replied-to
or pressed-on message, chat member changes …):

* user and chat ids → stand-ins, the same stand-in for the same id across the whole file (a
  private chat keeps equal to its user's id, groups stay negative), so conversations still line up;
* first/last names, usernames, group titles, bios → ``User 3``, ``user3``, ``Group 2`` …;
* phone numbers → ``+99890000000N`` (same number → same stand-in);
* message texts and captions → ``text 7`` (same text → same stand-in), except that a command
  keeps its ``/name`` (its arguments are replaced), so the replay takes the same branches;
* locations → one fixed point; ``entities`` are cut down to the command's own.

* callback and inline query ids → ``q1``, ``q2`` … (Telegram's may embed the user's id);
* button labels of keyboards inside an update (the message a button was pressed on) → ``button
  N``: the bot writes names, "User 555001" and full addresses into them; a Telegram id inside
  callback data → its stand-in; button URLs → a placeholder;
* venue titles and addresses → ``address N``.

The bot's own vocabulary is kept (``vocabulary``: every string of its RU/UZ catalogs, see
:func:`bot_vocabulary`): a text typed on a reply-keyboard button ("Мои заявки") and labels such
as "Подтвердить" are not personal data, and keeping them makes reply-keyboard flows replay the
same. Also kept: update and message ids, dates, file ids, language codes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["Scrubber", "bot_vocabulary"]

_NAME_FIELDS = ("first_name", "last_name", "username", "title", "bio", "description")
_TEXT_FIELDS = ("text", "caption")
_ID_FIELDS = ("id", "user_id")
_FIXED_LOCATION = {"latitude": 41.311081, "longitude": 69.240562}
_PLACE_FIELDS = ("address", "google_place_id", "foursquare_id")
_NO_LETTERS = re.compile(r"^(?!.*\d{5})[\W\d_]*$")  # "◀", "2/5", "✅"; not a phone or an id


def bot_vocabulary(locales: Iterable[str] = ("ru", "uz")) -> frozenset[str]:
    """Every message and translation of the bot's catalogs: texts the bot itself offers."""
    from workers.bot.locales import read_catalog

    words: set[str] = set()
    for locale in locales:
        for message in read_catalog(locale):
            for value in (message.id, message.string):
                for text in value if isinstance(value, tuple) else (value,):
                    if isinstance(text, str) and text:
                        words.add(text)
    return frozenset(words)


class Scrubber:
    """Stateful across one file: equal inputs get equal stand-ins."""

    def __init__(self, first_user_id: int = 1_000_001, vocabulary: Iterable[str] = ()) -> None:
        self._first = first_user_id
        self._vocabulary = frozenset(vocabulary)
        self._labels: dict[str, str] = {}
        self._places: dict[str, str] = {}
        self._ids: dict[int, int] = {}
        self._people: list[tuple[int, int]] = []  # (original, stand-in) of senders, not yet taken
        self._texts: dict[str, str] = {}
        self._phones: dict[str, str] = {}
        self._queries: dict[str, str] = {}

    def user_id(self, value: int) -> int:
        """The stand-in of a user or chat id (negative ids stay negative)."""
        magnitude = abs(value)
        if magnitude not in self._ids:
            self._ids[magnitude] = self._first + len(self._ids)
        mapped = self._ids[magnitude]
        return -mapped if value < 0 else mapped

    def _number(self, value: int) -> int:
        return self.user_id(value) - self._first + 1

    def _text(self, value: str) -> str:
        if value.startswith("/"):
            command, _, args = value.partition(" ")
            return command + (f" {self._text(args)}" if args else "")
        if value in self._vocabulary:
            return value
        if value not in self._texts:
            self._texts[value] = f"text {len(self._texts) + 1}"
        return self._texts[value]

    def _label(self, value: str) -> str:
        if value in self._vocabulary or _NO_LETTERS.match(value):
            return value
        if value not in self._labels:
            self._labels[value] = f"button {len(self._labels) + 1}"
        return self._labels[value]

    def _place(self, value: str) -> str:
        if value not in self._places:
            self._places[value] = f"address {len(self._places) + 1}"
        return self._places[value]

    def _callback_data(self, value: str) -> str:
        """Telegram ids the bot put into callback data become their stand-ins (only ids this
        file has already seen as users or chats: other numbers are the bot's own)."""
        return re.sub(
            r"-?\d{5,}",
            lambda m: str(self.user_id(int(m[0]))) if abs(int(m[0])) in self._ids else m[0],
            value,
        )

    def _keyboard(self, markup: dict[str, Any]) -> dict[str, Any]:
        out = dict(markup)
        for kind in ("inline_keyboard", "keyboard"):
            rows = markup.get(kind)
            if isinstance(rows, list):
                out[kind] = [
                    [self._button(b) for b in row] if isinstance(row, list) else row for row in rows
                ]
        return out

    def _button(self, button: Any) -> Any:
        if isinstance(button, str):
            return self._label(button)
        if not isinstance(button, dict):
            return button
        out = dict(button)
        if isinstance(button.get("text"), str):
            out["text"] = self._label(button["text"])
        if isinstance(button.get("callback_data"), str):
            out["callback_data"] = self._callback_data(button["callback_data"])
        if isinstance(button.get("url"), str):
            out["url"] = "https://example.invalid/"
        return out

    def _opaque(self, value: str) -> str:
        if value not in self._queries:
            self._queries[value] = f"q{len(self._queries) + 1}"
        return self._queries[value]

    def _phone(self, value: str) -> str:
        if value not in self._phones:
            self._phones[value] = f"+998900{len(self._phones) + 1:06d}"
        return self._phones[value]

    def take_new_people(self) -> list[tuple[int, int]]:
        """``(original id, stand-in)`` of users first seen since the last call: the recorder
        writes each one's role profile (no personal data) so that a replay plays the same
        roles."""
        people, self._people = self._people, []
        return people

    def update(self, update: dict[str, Any]) -> dict[str, Any]:
        """A scrubbed copy of one update."""
        scrubbed = self._walk(update, None)
        assert isinstance(scrubbed, dict)
        return scrubbed

    def _walk(self, value: Any, key: str | None) -> Any:
        if isinstance(value, list):
            return [self._walk(v, key) for v in value]
        if not isinstance(value, dict):
            return value
        if key == "location":
            return {**value, **_FIXED_LOCATION}
        if key == "reply_markup":
            return self._keyboard(value)
        person = _is_person(value)
        out: dict[str, Any] = {}
        for name, inner in value.items():
            out[name] = self._field(name, inner, person, value)
        if "text" in out and "entities" in value:
            out["entities"] = _command_entity(out["text"], value["entities"])
        if "caption" in out and "caption_entities" in value:
            out["caption_entities"] = []
        return out

    def _field(self, name: str, value: Any, person: bool, parent: dict[str, Any]) -> Any:
        if person and name in _ID_FIELDS and _is_int(value):
            first_time = abs(value) not in self._ids
            mapped = self.user_id(value)
            if first_time and "is_bot" in parent and value > 0:
                self._people.append((value, mapped))
            return mapped
        if name == "id" and isinstance(value, str):  # callback/inline query ids may embed users
            return self._opaque(value)
        if name == "user_id" and _is_int(value):  # a contact's user
            return self.user_id(value)
        if person and name in _NAME_FIELDS and isinstance(value, str):
            return self._name(name, parent)
        if name == "phone_number" and isinstance(value, str):
            return self._phone(value)
        if name in _TEXT_FIELDS and isinstance(value, str):
            return self._text(value)
        contact_card = "phone_number" in parent and not person
        if contact_card and name in ("first_name", "last_name") and isinstance(value, str):
            return f"Contact {name.split('_')[0]}"
        if name == "vcard" and isinstance(value, str):
            return ""
        if name in _PLACE_FIELDS and isinstance(value, str):
            return self._place(value)
        if name == "title" and "address" in parent and isinstance(value, str):
            return self._place(value)  # a venue's name
        if name == "data" and isinstance(value, str) and "chat_instance" in parent:
            return self._callback_data(value)  # a pressed button's callback data
        return self._walk(value, name)

    def _name(self, field: str, parent: dict[str, Any]) -> str:
        raw_id = parent.get("id")
        n = self._number(raw_id) if isinstance(raw_id, int) else 0
        if field == "first_name":
            return f"User {n}"
        if field == "last_name":
            return f"Surname {n}"
        if field == "username":
            return f"user{n}"
        if field == "title":
            return f"Group {n}"
        return f"about {n}"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_person(value: dict[str, Any]) -> bool:
    """A User (``is_bot``) or a Chat (``type``) object; the bot itself is not personal data."""
    if not _is_int(value.get("id")) or value.get("is_bot") is True:
        return False
    return "is_bot" in value or value.get("type") in ("private", "group", "supergroup", "channel")


def _command_entity(text: Any, entities: Any) -> list[dict[str, Any]]:
    if not isinstance(text, str) or not text.startswith("/") or not isinstance(entities, list):
        return []
    command = text.split(" ", 1)[0]
    return [{"type": "bot_command", "offset": 0, "length": len(command)}]
