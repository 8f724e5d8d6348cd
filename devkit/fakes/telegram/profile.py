"""The bot's own settings: command lists per scope and language, names, descriptions, menu button.

Command lists are stored per ``(scope, language_code)`` exactly as set; ``getMyCommands`` returns
the list of the exact pair (Telegram does not fall back for this method either).
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["BotProfile", "scope_key"]


def scope_key(scope: Any, language_code: Any) -> tuple[str, str]:
    scope = scope if isinstance(scope, dict) else {"type": "default"}
    return json.dumps(scope, sort_keys=True), language_code if isinstance(
        language_code, str
    ) else ""


class BotProfile:
    def __init__(self) -> None:
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.texts: dict[tuple[str, str], str] = {}  # (field, language_code) → value
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}

    def reset(self) -> None:
        self.commands.clear()
        self.texts.clear()
        self.menu_buttons.clear()

    def set_text(self, field: str, language_code: Any, value: Any) -> None:
        key = (field, language_code if isinstance(language_code, str) else "")
        if value in (None, ""):
            self.texts.pop(key, None)
        else:
            self.texts[key] = str(value)

    def get_text(self, field: str, language_code: Any) -> str:
        lang = language_code if isinstance(language_code, str) else ""
        return self.texts.get((field, lang), self.texts.get((field, ""), ""))
