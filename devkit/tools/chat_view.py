"""How ``bot-gateway chat`` shows the bot's side of a chat, and the buttons a user may press.

Buttons are numbered for pressing: the inline buttons of the newest messages that carry any
(they are replaced when the bot sends new ones or edits those messages), then the current reply
keyboard (kept until the bot replaces or removes it), as a Telegram client keeps showing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Button", "ChatView"]


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    message_id: int | None = None  # inline: the message carrying it
    index: int = 0  # inline: flat index within that message
    request_contact: bool = False
    request_location: bool = False

    @property
    def inline(self) -> bool:
        return self.message_id is not None


@dataclass
class _Batch:
    """What one answer brought: the lines to print, the messages' new buttons."""

    shown: list[tuple[list[str], int | None]] = field(default_factory=list)
    inline: dict[int, list[Button]] = field(default_factory=dict)
    keyboard_changed: bool = False


@dataclass
class ChatView:
    out: Callable[[str], None]
    inline: dict[int, list[Button]] = field(default_factory=dict)  # message id → its buttons
    keyboard: list[Button] = field(default_factory=list)

    def numbered(self) -> list[Button]:
        buttons = [b for message_id in sorted(self.inline) for b in self.inline[message_id]]
        return buttons + self.keyboard

    def find(self, ref: str) -> Button | None:
        """A button by its number or (case-insensitively) by (part of) its label; ``a|b`` tries
        each alternative in turn (one script for both languages)."""
        if "|" in ref:
            for alternative in ref.split("|"):
                found = self.find(alternative) if alternative.strip() else None
                if found is not None:
                    return found
            return None
        buttons = self.numbered()
        if ref.isdigit():
            n = int(ref)
            return buttons[n - 1] if 1 <= n <= len(buttons) else None
        wanted = ref.strip().casefold()
        exact = [b for b in buttons if b.label.casefold() == wanted]
        if exact:
            return exact[-1]
        partial = [b for b in buttons if wanted in b.label.casefold()]
        return partial[-1] if partial else None

    def show(
        self, entries: list[dict[str, Any]], flags: dict[str, tuple[bool, bool]] | None = None
    ) -> None:
        """Print the bot's transcript entries, each message's inline buttons right under it
        (numbers then stay where the user reads them). ``flags``: reply-keyboard label →
        (requests a contact, requests a location), from the calls that sent those keyboards."""
        batch = _Batch()
        for entry in entries:
            self._absorb(entry, flags or {}, batch)
        if batch.inline:
            self.inline = batch.inline
        numbers = {(b.message_id, b.index): n for n, b in enumerate(self.numbered(), 1)}
        last_block = {m: i for i, (_, m) in enumerate(batch.shown) if m in batch.inline}
        for i, (lines, message_id) in enumerate(batch.shown):
            for line in lines:
                self.out(line)
            if message_id is not None and last_block.get(message_id) == i:
                self._buttons_line(batch.inline[message_id], numbers)
        if (batch.keyboard_changed or batch.inline) and self.keyboard:
            self._keyboard_line(numbers)

    def _absorb(
        self, entry: dict[str, Any], flags: dict[str, tuple[bool, bool]], batch: _Batch
    ) -> None:
        kind = entry.get("kind")
        message_id = entry.get("message_id")
        if kind == "delete":
            batch.shown.append(([f"(bot deleted message #{message_id})"], None))
            self.inline.pop(int(message_id or 0), None)
            batch.inline.pop(int(message_id or 0), None)
            return
        if kind == "callback_answer":
            if entry.get("text"):
                alert = (entry.get("data") or {}).get("show_alert")
                batch.shown.append(([f"({'alert' if alert else 'popup'}) {entry['text']}"], None))
            return
        if kind not in ("message", "edit"):
            return
        who = "bot" if kind == "message" else f"bot edited #{message_id}"
        batch.shown.append((self._text_lines(who, entry), message_id))
        if isinstance(message_id, int):
            flat = [b for row in entry.get("buttons") or [] for b in row]
            self.inline.pop(message_id, None)
            batch.inline.pop(message_id, None)
            if flat:
                batch.inline[message_id] = [
                    Button(str(b.get("text", "")), message_id, i) for i, b in enumerate(flat)
                ]
        rows = entry.get("keyboard") or []
        if rows:
            labels = [str(label) for row in rows for label in row]
            self.keyboard = [
                Button(label, None, 0, *flags.get(label, (False, False))) for label in labels
            ]
            batch.keyboard_changed = True
        markup = (entry.get("data") or {}).get("markup") or {}
        if markup.get("remove_keyboard") and self.keyboard:
            self.keyboard = []
            batch.keyboard_changed = True

    def show_buttons(self) -> None:
        numbers = {(b.message_id, b.index): n for n, b in enumerate(self.numbered(), 1)}
        for message_id in sorted(self.inline):
            self._buttons_line(self.inline[message_id], numbers)
        if self.keyboard:
            self._keyboard_line(numbers)

    def _buttons_line(self, buttons: list[Button], numbers: dict[Any, int]) -> None:
        labels = [f"[{numbers[(b.message_id, b.index)]}] {b.label}" for b in buttons]
        self.out("     buttons: " + "  ".join(labels))

    def _keyboard_line(self, numbers: dict[Any, int]) -> None:
        first = len(self.numbered()) - len(self.keyboard) + 1  # reply buttons come last
        labels = [
            f"[{n}] {b.label}" + (" (shares your contact)" if b.request_contact else "")
            for n, b in enumerate(self.keyboard, first)
        ]
        self.out("     keyboard: " + "  ".join(labels))

    def _text_lines(self, who: str, entry: dict[str, Any]) -> list[str]:
        text = entry.get("text")
        if text is None:
            text = f"({(entry.get('data') or {}).get('content_type', 'message')})"
        first, *rest = str(text).split("\n")
        pad = " " * (len(who) + 2)
        return [f"{who}: {first}", *(pad + line for line in rest)]
