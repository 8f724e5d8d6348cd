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
        """Print the bot's transcript entries. ``flags``: reply-keyboard label → (requests a
        contact, requests a location), from the calls that sent those keyboards."""
        flags = flags or {}
        new_inline: dict[int, list[Button]] = {}
        changed = False
        for entry in entries:
            kind = entry.get("kind")
            message_id = entry.get("message_id")
            if kind in ("message", "edit"):
                who = "bot" if kind == "message" else f"bot edited #{message_id}"
                self._text(who, entry)
            elif kind == "delete":
                self.out(f"(bot deleted message #{message_id})")
                changed = self.inline.pop(int(message_id or 0), None) is not None or changed
                continue
            elif kind == "callback_answer":
                if entry.get("text"):
                    alert = (entry.get("data") or {}).get("show_alert")
                    self.out(f"({'alert' if alert else 'popup'}) {entry['text']}")
                continue
            else:
                continue
            if isinstance(message_id, int):
                flat = [b for row in entry.get("buttons") or [] for b in row]
                buttons = [
                    Button(str(b.get("text", "")), message_id, i) for i, b in enumerate(flat)
                ]
                if kind == "edit" and message_id in self.inline:
                    self.inline.pop(message_id)
                    changed = True
                if buttons:
                    new_inline[message_id] = buttons
            rows = entry.get("keyboard") or []
            if rows:
                labels = [str(label) for row in rows for label in row]
                self.keyboard = [
                    Button(label, None, 0, *flags.get(label, (False, False))) for label in labels
                ]
                changed = True
            markup = (entry.get("data") or {}).get("markup") or {}
            if markup.get("remove_keyboard") and self.keyboard:
                self.keyboard = []
                changed = True
        if new_inline:
            self.inline = new_inline
            changed = True
        if changed and self.numbered():
            self.show_buttons()

    def show_buttons(self) -> None:
        buttons = self.numbered()
        inline = [f"[{n}] {b.label}" for n, b in enumerate(buttons, 1) if b.inline]
        reply = [
            f"[{n}] {b.label}" + (" (shares your contact)" if b.request_contact else "")
            for n, b in enumerate(buttons, 1)
            if not b.inline
        ]
        if inline:
            self.out("     buttons: " + "  ".join(inline))
        if reply:
            self.out("     keyboard: " + "  ".join(reply))

    def _text(self, who: str, entry: dict[str, Any]) -> None:
        text = entry.get("text")
        if text is None:
            text = f"({(entry.get('data') or {}).get('content_type', 'message')})"
        first, *rest = str(text).split("\n")
        self.out(f"{who}: {first}")
        pad = " " * (len(who) + 2)
        for line in rest:
            self.out(pad + line)
