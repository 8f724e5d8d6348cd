"""Helpers of the notification tests: change the fakes as a service would, read what arrived."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from devkit.fakes.seed import RESIDENT, SeedUser
from devkit.fakes.telegram.model import inline_buttons
from tests.replay_plugin import Replay
from workers.bot.core.ui import i18n as ui_i18n
from workers.bot.locales import create_i18n

__all__ = [
    "assign_to",
    "buttons",
    "change_status",
    "file_request",
    "plain",
    "service",
    "speak",
    "texts_in",
    "tx",
]

_I18N = create_i18n()


def tx(msgid: str, locale: str, **values: object) -> str:
    with _I18N.context():
        return ui_i18n.tr(msgid, locale, **values)


def plain(msgid: str, locale: str, **values: object) -> str:
    """The text as a chat shows it: the fake Bot API keeps HTML as entities, not tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", tx(msgid, locale, **values)))


async def service(
    replay: Replay, name: str, method: str, path: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Call a fake service the way another service (or an admin panel) would: the change it
    applies emits its §10 event."""
    harness = await replay.start()
    url = harness.service_urls[name]
    key = replay.settings.services.service_api_key.get_secret_value()
    headers = {"X-Service-Name": "admin-panel", "X-Service-API-Key": key}
    if method in ("POST", "PATCH"):
        headers["Idempotency-Key"] = f"test:{method}:{path}:{len(replay.services.events.log)}"
    async with httpx.AsyncClient(base_url=url + "/api/v1", headers=headers) as client:
        response = await client.request(method, path, json=body)
    assert response.status_code < 300, response.text
    result: dict[str, Any] = response.json()
    return result


def speak(replay: Replay, language: str, *people: SeedUser) -> None:
    """The people use ``language``: in the user service and as their Telegram client's."""
    for person in people:
        replay.services.users[person.id].language_code = language
        replay.user(person.telegram_id, "Test", language)


async def change_status(
    replay: Replay, number: str, status: str, actor: SeedUser, comment: str | None = None
) -> None:
    """Move the request to ``status`` as ``actor`` (its current version), and let the event's
    notices arrive."""
    request = replay.services.requests[number]
    body: dict[str, Any] = {
        "status": status,
        "status_version": request.status_version,
        "actor_user_id": actor.id,
    }
    if comment is not None:
        body["comment"] = comment
    await service(replay, "request", "PATCH", f"/requests/{number}/status", body)
    await replay.settle()


async def file_request(replay: Replay, urgency: str, description: str) -> str:
    """The resident files a plumbing request for their apartment; its number, once the event's
    notices arrived."""
    created = await service(
        replay,
        "request",
        "POST",
        "/requests/",
        {
            "applicant_user_id": RESIDENT.id,
            "category": "plumbing",
            "address_type": "apartment",
            "address_id": 105,
            "description": description,
            "urgency": urgency,
        },
    )
    await replay.settle()
    return str(created["request_number"])


async def assign_to(replay: Replay, number: str, executor: SeedUser, actor: SeedUser) -> None:
    """``actor`` assigns the request to ``executor``, and the event's notices arrive."""
    body = {
        "assignment_type": "individual",
        "executor_user_id": executor.id,
        "status_version": replay.services.requests[number].status_version,
        "actor_user_id": actor.id,
    }
    await service(replay, "request", "POST", f"/requests/{number}/assign", body)
    await replay.settle()


def texts_in(replay: Replay, chat_id: int) -> list[str]:
    """Texts (and captions) of the bot's messages in a chat, oldest first."""
    return [
        str(m.get("text") or m.get("caption") or "") for m in replay.telegram.bot_messages(chat_id)
    ]


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (str(b.get("text")), str(b.get("callback_data")))
        for row in inline_buttons(message.get("reply_markup"))
        for b in row
    ]
