"""Transcripts: what users sent and which Bot API calls the bot made, per chat, as stable text.

A transcript is built from a timeline: inbound updates placed where the worker began handling
them and the calls the fake Bot API recorded, each attributed to a chat (``chat_id``, a callback
query's chat, or a command scope's chat; calls naming no chat go to the ``bot`` section). Within
a chat the pipeline handles one update at a time, so every call between two inbound updates of
that chat was made while handling the first of them.

The text form leaves out what changes from run to run (times, callback query ids, the ids of the
messages the bot sends) so two runs of the same updates print the same text, and a difference is
a difference in behaviour. ``render_json`` gives the same content as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "BOT_SECTION",
    "Inbound",
    "Note",
    "Outbound",
    "Transcript",
    "describe_update",
    "render_markup",
]

BOT_SECTION = "bot"

# Parameters shown on the method line itself, or too volatile to compare.
_SHOWN = frozenset({"chat_id", "text", "caption", "reply_markup", "message_id"})
_VOLATILE = frozenset({"callback_query_id", "parse_mode"})
# Calls without a chat that are plumbing rather than behaviour.
_PLUMBING = frozenset({"getme", "getupdates", "getwebhookinfo", "setwebhook", "deletewebhook"})


@dataclass(frozen=True, slots=True)
class Inbound:
    update_id: int
    kind: str
    user_id: int | None
    summary: str
    attempt: int = 1

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "dir": "in",
            "update_id": self.update_id,
            "kind": self.kind,
            "user_id": self.user_id,
            "summary": self.summary,
        }
        if self.attempt > 1:
            out["attempt"] = self.attempt
        return out

    def render(self) -> list[str]:
        who = f" from {self.user_id}" if self.user_id is not None else ""
        if self.attempt > 1:
            return [f"~ retry of update {self.update_id} (attempt {self.attempt})"]
        return _block(f"> {self.kind}{who}: ", self.summary)


@dataclass(frozen=True, slots=True)
class Outbound:
    method: str
    params: dict[str, Any]
    status: int = 200
    description: str | None = None
    uploads: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dir": "out", "method": self.method, "params": self.params}
        if self.status != 200:
            out["status"] = self.status
            out["description"] = self.description
        if self.uploads:
            out["uploads"] = list(self.uploads)
        return out

    @property
    def text(self) -> str | None:
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None

    def render(self) -> list[str]:
        head = f"< {self.method}"
        if "message_id" in self.params:
            head += f" #{self.params['message_id']}"
        if self.status != 200:
            head += f" -> {self.status} {self.description or ''}".rstrip()
        lines = _block(head + (": " if self.text is not None else ""), self.text or "")
        markup = self.params.get("reply_markup")
        if isinstance(markup, dict):
            lines.extend("    " + line for line in render_markup(markup))
        rest = {k: v for k, v in self.params.items() if k not in _SHOWN and k not in _VOLATILE}
        commands = rest.pop("commands", None)
        if isinstance(commands, list):
            # Command menus are long; their names tell the story (descriptions live in the db).
            names = [f"/{c.get('command')}" for c in commands if isinstance(c, dict)]
            lines.append("    commands: " + (" ".join(names) or "(none)"))
        if rest:
            lines.append("    " + json.dumps(rest, ensure_ascii=False, sort_keys=True))
        if self.uploads:
            lines.append("    uploads: " + ", ".join(self.uploads))
        return lines


@dataclass(frozen=True, slots=True)
class Note:
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"dir": "note", "text": self.text}

    def render(self) -> list[str]:
        return [f"! {self.text}"]


Event = Inbound | Outbound | Note


def _block(head: str, text: str) -> list[str]:
    """``head`` + text, continuation lines indented so multi-line messages stay readable."""
    first, *rest = text.split("\n") if text else [""]
    return [head + first] + [" " * 4 + "| " + line for line in rest]


def render_markup(markup: Mapping[str, Any]) -> list[str]:
    """Keyboards as text: ``inline: [Yes -> yes:1] [No -> no:1]``, ``keyboard: [A] [B]``."""
    lines: list[str] = []
    for row in markup.get("inline_keyboard") or []:
        cells = []
        for button in row:
            target = button.get("callback_data") or button.get("url") or ""
            for key in ("web_app", "switch_inline_query", "login_url", "pay"):
                if key in button:
                    target = target or key
            cells.append(f"[{button.get('text', '')}{' -> ' + target if target else ''}]")
        lines.append("inline: " + " ".join(cells))
    for row in markup.get("keyboard") or []:
        cells = []
        for button in row:
            label = button.get("text", "") if isinstance(button, dict) else str(button)
            extra = ""
            if isinstance(button, dict):
                extra = "".join(
                    f" ({key})"
                    for key in ("request_contact", "request_location", "request_users")
                    if button.get(key)
                )
            cells.append(f"[{label}{extra}]")
        lines.append("keyboard: " + " ".join(cells))
    if markup.get("remove_keyboard"):
        lines.append("keyboard removed")
    if markup.get("force_reply"):
        lines.append("force reply")
    return lines


def _message_summary(message: Mapping[str, Any]) -> str:
    if isinstance(message.get("text"), str):
        return str(message["text"])
    if isinstance(message.get("contact"), dict):
        return f"contact {message['contact'].get('phone_number', '')}"
    if isinstance(message.get("location"), dict):
        loc = message["location"]
        return f"location {loc.get('latitude')},{loc.get('longitude')}"
    for kind in ("photo", "document", "video", "voice", "audio", "sticker", "animation"):
        if kind in message:
            caption = message.get("caption")
            name = ""
            if isinstance(message[kind], dict) and message[kind].get("file_name"):
                name = f" {message[kind]['file_name']}"
            return f"{kind}{name}" + (f": {caption}" if isinstance(caption, str) else "")
    known = [k for k in message if k not in ("message_id", "from", "chat", "date")]
    return known[0] if known else "message"


def _button_label(message: Any, data: Any) -> str | None:
    if not isinstance(message, dict):
        return None
    markup = message.get("reply_markup") or {}
    for row in markup.get("inline_keyboard") or []:
        for button in row:
            if button.get("callback_data") == data:
                return str(button.get("text", ""))
    return None


def describe_update(update: Mapping[str, Any]) -> Inbound:
    """The inbound line of one update: its type, sender and what they did, briefly."""
    uid = int(update["update_id"])
    for kind, body in update.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        sender = body.get("from") or body.get("user")
        user_id = sender.get("id") if isinstance(sender, dict) else None
        if kind in ("message", "edited_message", "channel_post", "business_message"):
            summary = _message_summary(body)
        elif kind == "callback_query":
            data = body.get("data")
            label = _button_label(body.get("message"), data)
            summary = (f"[{label}] " if label is not None else "") + f"data={data}"
        elif kind == "notification":
            summary = "notification " + ", ".join(str(k) for k in body.get("kinds") or [])
        elif kind == "service_event":
            summary = f"event {body.get('type')}"
        elif kind in ("my_chat_member", "chat_member"):
            old = (body.get("old_chat_member") or {}).get("status")
            new = (body.get("new_chat_member") or {}).get("status")
            summary = f"{old} -> {new}"
        else:
            summary = kind
        return Inbound(uid, kind, user_id if isinstance(user_id, int) else None, summary)
    return Inbound(uid, "unknown", None, "unknown update")


def _section_key(section: str) -> tuple[int, int | str]:
    if section == BOT_SECTION:
        return (0, 0)
    return (1, int(section))


@dataclass
class Transcript:
    """Events per section: a chat id as a string, or ``bot`` for calls naming no chat."""

    chats: dict[str, list[Event]] = field(default_factory=dict)

    @classmethod
    def from_timeline(
        cls, timeline: Iterable[tuple[float, int, str, Event]], notes: Sequence[tuple[str, Note]]
    ) -> Transcript:
        """``timeline``: (position, tie-break, section, event); sorted here. Notes go last."""
        out = cls()
        for _pos, _tie, section, event in sorted(timeline, key=lambda t: (t[0], t[1])):
            plumbing = isinstance(event, Outbound) and event.method.lower() in _PLUMBING
            if section == BOT_SECTION and plumbing:
                continue
            out.chats.setdefault(section, []).append(event)
        for section, note in notes:
            out.chats.setdefault(section, []).append(note)
        out.chats = dict(sorted(out.chats.items(), key=lambda kv: _section_key(kv[0])))
        return out

    def chat(self, chat_id: int) -> list[Event]:
        return self.chats.get(str(chat_id), [])

    def outbound(self, chat_id: int | None = None) -> list[Outbound]:
        sections = [self.chat(chat_id)] if chat_id is not None else list(self.chats.values())
        return [e for events in sections for e in events if isinstance(e, Outbound)]

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Texts (and captions) the bot sent or edited in, oldest first."""
        return [e.text for e in self.outbound(chat_id) if e.text is not None and e.status == 200]

    def render(self) -> str:
        lines: list[str] = []
        for section, events in self.chats.items():
            if lines:
                lines.append("")
            lines.append(f"## {'bot (no chat)' if section == BOT_SECTION else 'chat ' + section}")
            for event in events:
                lines.extend(event.render())
        return "\n".join(lines) + "\n" if lines else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "chats": [
                {"chat": section, "events": [e.to_json() for e in events]}
                for section, events in self.chats.items()
            ]
        }

    def render_json(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
