"""Telegram's parameter rules that bots trip over in production.

Message text 1–4096 characters after entity parsing, captions up to 1024, inline keyboards with
exactly one action per button and ``callback_data`` of 1–64 bytes, reply keyboards with non-empty
button texts, command lists, webhook secrets. Limits are counted the way the server counts them:
text length in Unicode code points, ``callback_data`` in UTF-8 bytes.
"""

from __future__ import annotations

import re
from typing import Any

from devkit.fakes.telegram.entities import parse_text
from devkit.fakes.telegram.errors import bad_request

__all__ = [
    "MAX_CALLBACK_DATA",
    "MAX_CAPTION",
    "MAX_TEXT",
    "bot_commands",
    "caption_of",
    "chat_ref",
    "int_param",
    "reply_markup",
    "secret_token",
    "text_of",
]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_INLINE_BUTTONS = 100
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


def chat_ref(params: dict[str, Any], name: str = "chat_id") -> int | str:
    value = params.get(name)
    if value is None or value == "":
        raise bad_request(f"{name} is empty")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad_request(f"invalid {name} specified")
    return value


def int_param(params: dict[str, Any], name: str, missing: str) -> int:
    value = params.get(name)
    if value is None:
        raise bad_request(missing)
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f"invalid {name} specified")
    return value


def _entities_param(params: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = params.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise bad_request(f"can't parse {name} JSON object")
    return value


def text_of(params: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The message text of a send/edit call, after entity parsing, within Telegram's limits."""
    raw = params.get("text")
    if raw is None or raw == "":
        raise bad_request("message text is empty")
    if not isinstance(raw, str):
        raw = str(raw)
    text, entities = parse_text(raw, params.get("parse_mode"))
    if not params.get("parse_mode"):
        entities = _entities_param(params, "entities")
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text, entities


def caption_of(params: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
    raw = params.get("caption")
    if raw is None or raw == "":
        return None, []
    text, entities = parse_text(str(raw), params.get("parse_mode"))
    if not params.get("parse_mode"):
        entities = _entities_param(params, "caption_entities")
    if len(text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return (text or None), entities


def _inline_button(button: Any) -> None:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    if not isinstance(button.get("text"), str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = [name for name in _INLINE_ACTIONS if name in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not re.match(r"^(https?|tg)://\S+$", url):
            raise bad_request("BUTTON_URL_INVALID")


def _rows(markup: dict[str, Any], field: str, kind: str) -> list[list[Any]]:
    rows = markup.get(field)
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(f'field "{field}" of the {kind} must be an Array of Arrays')
    return rows


def reply_markup(value: Any) -> dict[str, Any] | None:
    """Validate ``reply_markup`` and return it (``None`` when absent)."""
    if value is None or value == "":
        return None
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        rows = _rows(value, "inline_keyboard", "InlineKeyboardMarkup")
        if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
            raise bad_request("reply markup is too long")
        for row in rows:
            for button in row:
                _inline_button(button)
        return value
    if "keyboard" in value:
        for row in _rows(value, "keyboard", "ReplyKeyboardMarkup"):
            for button in row:
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str) or not text:
                    raise bad_request("can't parse keyboard button: Text must be non-empty")
        return value
    if value.get("remove_keyboard") is True or value.get("force_reply") is True:
        return value
    raise bad_request("can't parse reply keyboard markup JSON object")


def bot_commands(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise bad_request("can't parse commands JSON object")
    if len(value) > 100:
        raise bad_request("too many commands specified")
    commands: list[dict[str, str]] = []
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not _COMMAND_RE.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        commands.append({"command": command, "description": description})
    return commands


def secret_token(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _SECRET_RE.match(value):
        raise bad_request("secret token contains unallowed characters")
    return value
