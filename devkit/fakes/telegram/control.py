"""``{base}/__fake__/…``: the fake's own HTTP endpoints for inspection, knobs and simulation.

Answers are ``{"ok": true, "result": …}`` or ``{"ok": false, "description": …}`` (400/404).

GET  transcript?chat_id=&direction=&after_seq=&timeout=   entries (waits up to ``timeout`` s
                                                           for one newer than ``after_seq``)
GET  calls?method=&chat_id=&after_seq=                    recorded Bot API calls
GET  messages?chat_id=                                    the bot's current messages in a chat
GET  chats                                                known chats
POST reset | block {chat_id, blocked} | flood {count, retry_after, method}
     | fail {count, error_code, description, method, retry_after} | latency {seconds, method}
     | chats {chat_id, type, title, username} | updates {<raw update body>}
     | users {user_id, first_name, language_code, last_name, username}
     | users/<id>/text {text, chat_id} | users/<id>/command {command, args, chat_id}
     | users/<id>/press {chat_id, message_id, button} | users/<id>/press_button {text, chat_id}
     | users/<id>/contact {phone_number, chat_id} | users/<id>/photo {caption, chat_id}
     | users/<id>/location {latitude, longitude, chat_id} | users/<id>/block | users/<id>/unblock
"""

from __future__ import annotations

import contextlib
import json
from typing import Any
from urllib.parse import parse_qsl

from devkit.fakes.telegram.model import Direction
from devkit.fakes.telegram.state import FakeTelegramState
from devkit.fakes.telegram.users import SimulatedUser

__all__ = ["handle_control"]


class _ControlError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status


def _int(data: dict[str, Any], name: str, default: int | None = None) -> int:
    value = data.get(name, default)
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise _ControlError(400, f"{name} must be an integer") from None


def _opt_int(data: dict[str, Any], name: str) -> int | None:
    return None if data.get(name) in (None, "") else _int(data, name)


async def _get(state: FakeTelegramState, route: str, query: dict[str, str]) -> Any:
    if route == "transcript":
        chat_id = _opt_int(query, "chat_id")
        raw_direction = query.get("direction") or None
        if raw_direction not in (None, "in", "out"):
            raise _ControlError(400, "direction must be in or out")
        direction: Direction | None = (
            "in" if raw_direction == "in" else ("out" if raw_direction == "out" else None)
        )
        after = _int(query, "after_seq", 0)
        timeout = float(query.get("timeout") or 0)
        if timeout > 0:
            with contextlib.suppress(TimeoutError):
                await state.wait_for_entry(
                    chat_id, lambda e: e.seq > after, direction=direction, timeout=timeout
                )
        entries = state.transcript(chat_id, direction)
        return [e.to_json() for e in entries if e.seq > after]
    if route == "calls":
        after = _int(query, "after_seq", 0)
        chat = query.get("chat_id")
        chat_ref: int | str | None = int(chat) if chat and chat.lstrip("-").isdigit() else chat
        calls = state.calls_to(query.get("method") or None, chat_ref or None)
        return [c.to_json() for c in calls if c.seq > after]
    if route == "messages":
        return state.bot_messages(_int(query, "chat_id"))
    if route == "chats":
        return [{**c.to_json(), "blocked": c.blocked} for c in state.chats.values()]
    raise _ControlError(404, "Not Found")


def _user_action(state: FakeTelegramState, person: SimulatedUser, action: str, data: Any) -> Any:
    chat = _opt_int(data, "chat_id")
    if action == "text":
        return person.send_text(chat, str(data.get("text", "")))
    if action == "command":
        return person.send_command(str(data["command"]), str(data.get("args", "")), chat)
    if action == "press":
        button = data.get("button")
        if isinstance(button, list):
            button = (int(button[0]), int(button[1]))
        message = state.message(
            chat if chat is not None else person.chat_id, _int(data, "message_id")
        )
        if message is None:
            raise _ControlError(400, "message not found")
        return person.press(message, button)
    if action == "press_button":
        return person.press_button(str(data["text"]), chat)
    if action == "contact":
        return person.share_contact(
            chat, phone_number=str(data.get("phone_number", "+998901234567"))
        )
    if action == "photo":
        return person.send_photo(chat, caption=data.get("caption"))
    if action == "location":
        return person.send_location(
            chat, latitude=float(data["latitude"]), longitude=float(data["longitude"])
        )
    if action == "block":
        return person.block_bot()
    if action == "unblock":
        return person.unblock_bot()
    raise _ControlError(404, "Not Found")


async def _post(state: FakeTelegramState, route: str, data: dict[str, Any]) -> Any:
    if route == "reset":
        await state.reset()
        return True
    if route == "block":
        state.block_chat(_int(data, "chat_id"), bool(data.get("blocked", True)))
        return True
    if route == "flood":
        state.flood(_int(data, "count", 1), _int(data, "retry_after", 1), data.get("method"))
        return True
    if route == "fail":
        state.fail_next(
            _int(data, "count", 1),
            _int(data, "error_code", 500),
            str(data.get("description", "Internal Server Error")),
            data.get("method"),
            _opt_int(data, "retry_after"),
        )
        return True
    if route == "latency":
        state.set_latency(float(data.get("seconds", 0)), data.get("method"))
        return True
    if route == "chats":
        chat = state.add_chat(
            _int(data, "chat_id"),
            type=str(data.get("type", "private")),
            title=data.get("title"),
            username=data.get("username"),
        )
        return chat.to_json()
    if route == "updates":
        return state.enqueue_update(data)
    if route == "users":
        person = state.user(
            _int(data, "user_id"),
            str(data.get("first_name", "Test")),
            data.get("language_code", "ru"),
            last_name=data.get("last_name"),
            username=data.get("username"),
        )
        return person.to_json()
    parts = route.split("/")
    if len(parts) == 3 and parts[0] == "users":
        found = state.users.get(_int({"id": parts[1]}, "id"))
        if found is None:
            raise _ControlError(404, "user not found; create it with POST __fake__/users")
        return _user_action(state, found, parts[2], data)
    raise _ControlError(404, "Not Found")


async def handle_control(
    state: FakeTelegramState, http_method: str, route: str, query: str, body: bytes
) -> tuple[int, dict[str, Any]]:
    try:
        if http_method == "GET":
            result = await _get(state, route, dict(parse_qsl(query)))
        else:
            data = json.loads(body) if body else {}
            if not isinstance(data, dict):
                raise _ControlError(400, "a JSON object is expected")
            result = await _post(state, route, data)
    except _ControlError as error:
        return error.status, {"ok": False, "description": str(error)}
    except (LookupError, ValueError, TypeError) as error:
        return 400, {"ok": False, "description": str(error)}
    return 200, {"ok": True, "result": result}
