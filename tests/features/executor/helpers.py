"""Helpers of the staff feature tests: seeded staff in a chosen language, shift set-up in the
fake world, what the bot answered to callback queries, and the calls the fakes received."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from devkit.fakes.controls import CallRecord
from devkit.fakes.entities import ShiftRec
from devkit.fakes.seed import SeedUser
from devkit.fakes.telegram import SimulatedUser
from devkit.fakes.telegram.updates import callback_query_body
from devkit.tools.results import Turn
from tests.replay_plugin import Replay
from workers.bot.locales import create_i18n

__all__ = [
    "LANGUAGES",
    "alerts",
    "assert_each_query_answered_once",
    "end_shifts",
    "press_raw",
    "put_on_shift",
    "reply_keyboard",
    "service_calls",
    "staff",
    "toasts",
    "tx",
]

LANGUAGES = ("ru", "uz")
_I18N = create_i18n()
_CYRILLIC = re.compile("[а-яА-ЯёЁ]")


def tx(msgid: str, language: str, /, **values: object) -> str:
    """The bot's text in ``language``; an Uzbek text still in Russian fails here, not silently."""
    text = _I18N.gettext(msgid, locale=language)
    if language == "uz" and _CYRILLIC.search(msgid):
        assert text != msgid, f"no Uzbek translation of {msgid!r}"
    return text.format(**values) if values else text


def staff(replay: Replay, who: SeedUser, language: str, name: str = "Staff") -> SimulatedUser:
    """The seeded person as a chat user whose saved language (their profile's) is ``language``."""
    replay.services.users[who.id].language_code = language
    return replay.user(who.telegram_id, name, language_code=language)


def reply_keyboard(turn: Turn) -> list[list[str]]:
    """The reply keyboard rows of the last markup the bot sent in this step."""
    markup: dict[str, Any] = turn.markup() or {}
    return [[str(b.get("text")) for b in row] for row in markup.get("keyboard") or []]


async def press_raw(
    replay: Replay, user: SimulatedUser, message: dict[str, Any], data: str
) -> Turn:
    """Press a button carrying ``data`` on ``message``: an old build's, or tampered data."""
    query_id = replay.telegram.open_callback_query(user.chat_id, message["message_id"], user.id)
    body = callback_query_body(query_id, user.to_json(), message, data)
    return await replay.send(replay.telegram.enqueue_update(body))


def _answers(turn: Turn) -> list[dict[str, Any]]:
    return [c.params for c in turn.ok_calls if c.method == "answerCallbackQuery"]


def alerts(turn: Turn) -> list[str]:
    return [str(p.get("text")) for p in _answers(turn) if p.get("show_alert")]


def toasts(turn: Turn) -> list[str]:
    return [str(p.get("text")) for p in _answers(turn) if p.get("text") and not p.get("show_alert")]


def assert_each_query_answered_once(replay: Replay) -> None:
    """Every callback query the users opened got exactly one successful answer."""
    answered: dict[str, int] = {}
    for call in replay.telegram.calls_to("answerCallbackQuery", ok=True):
        query_id = str(call.params.get("callback_query_id"))
        answered[query_id] = answered.get(query_id, 0) + 1
    opened = list(replay.telegram.callback_queries)
    assert opened, "the test pressed no button"
    assert {q: answered.get(q, 0) for q in opened} == dict.fromkeys(opened, 1)


def service_calls(replay: Replay, service: str, method: str, path: str) -> list[CallRecord]:
    """Calls ``service``'s fake received with ``method`` and a path matching ``path`` (regex)."""
    pattern = re.compile(path)
    return [
        c
        for c in replay.services.controls[service].calls
        if c.method == method and pattern.search(c.path)
    ]


def end_shifts(replay: Replay, user_id: int) -> None:
    """Take the user off shift (their active shifts end now)."""
    now = replay.services.now()
    for shift in replay.services.active_shifts(user_id):
        shift.status, shift.end_time = "completed", now


def put_on_shift(replay: Replay, user_id: int, focus: list[str]) -> ShiftRec:
    """An active shift for the user, started an hour ago, ending in five hours."""
    world = replay.services
    now = world.now()
    shift = ShiftRec(
        id=world.next_id("shift"),
        planned_start_time=now - dt.timedelta(hours=1),
        planned_end_time=now + dt.timedelta(hours=5),
        specialization_focus=focus,
        created_at=now,
        updated_at=now,
        executor_user_id=user_id,
        status="active",
        start_time=now - dt.timedelta(hours=1),
    )
    world.shifts[shift.id] = shift
    return shift
