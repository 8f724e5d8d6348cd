"""Helpers of the requests and acceptance transcript tests."""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

from aiogram.utils.i18n import I18n

from devkit.fakes.controls import CallRecord as ServiceCall
from devkit.fakes.entities import RequestRec
from devkit.fakes.telegram import SimulatedUser
from tests.replay_plugin import Replay
from workers.bot.locales import create_i18n

OUTDATED_RU = "Эта кнопка устарела."


@cache
def _i18n() -> I18n:
    return create_i18n()


def t(msgid: str, locale: str, **values: object) -> str:
    """A catalog text as the bot sends it in ``locale``."""
    text = _i18n().gettext(msgid, locale=locale)
    return text.format(**values) if values else text


def album(user: SimulatedUser, group: str, count: int) -> list[dict[str, Any]]:
    """``count`` photo updates of one album (a shared ``media_group_id``)."""
    updates = []
    for _ in range(count):
        update = user.send_photo()
        update["message"]["media_group_id"] = group
        updates.append(update)
    return updates


def video(user: SimulatedUser) -> dict[str, Any]:
    """A video message (built from a document upload the fake stores)."""
    update = user.send_document(data=b"\x00\x00\x00\x18ftypmp42", filename="clip.mp4")
    message = update["message"]
    document = message.pop("document")
    message["video"] = {
        "file_id": document["file_id"],
        "file_unique_id": document["file_unique_id"],
        "width": 640,
        "height": 480,
        "duration": 3,
    }
    return update


def photo_file_id(update: dict[str, Any]) -> str:
    """The file id of the largest size of the update's photo (what the bot must keep)."""
    sizes = update["message"]["photo"]
    return str(max(sizes, key=lambda s: s["width"] * s["height"])["file_id"])


def answers(replay: Replay) -> Counter[str]:
    """Successful answerCallbackQuery calls per query id."""
    return Counter(
        str(c.params["callback_query_id"])
        for c in replay.telegram.calls_to("answerCallbackQuery", ok=True)
    )


def assert_every_callback_answered_once(replay: Replay) -> None:
    counted = answers(replay)
    opened = set(replay.telegram.callback_queries)
    assert opened, "the test pressed no button"
    assert {q: counted.get(q, 0) for q in opened} == dict.fromkeys(opened, 1)


def alerts(turn: Any) -> list[str]:
    """Texts of the alerts (show_alert) the bot answered callback queries with in a turn."""
    return [
        str(c.params.get("text"))
        for c in turn.ok_calls
        if c.method == "answerCallbackQuery" and c.params.get("show_alert")
    ]


def new_requests(replay: Replay, applicant_user_id: int) -> list[RequestRec]:
    """Requests the test created (the seeded ones left out)."""
    seeded = set(replay.services.seed_requests.values())
    return [
        r
        for r in replay.services.requests.values()
        if r.applicant_user_id == applicant_user_id and r.request_number not in seeded
    ]


def service_calls(replay: Replay, method: str, path_suffix: str) -> list[ServiceCall]:
    return [
        c
        for c in replay.services.controls["request"].calls
        if c.method == method and c.path.endswith(path_suffix)
    ]
