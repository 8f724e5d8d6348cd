"""Helpers of the notification tests: change the fakes as a service would, read what arrived."""

from __future__ import annotations

import html
import re
from typing import Any

import httpx

from devkit.fakes.telegram.model import inline_buttons
from tests.replay_plugin import Replay
from workers.bot.core.ui import i18n as ui_i18n
from workers.bot.locales import create_i18n

__all__ = ["buttons", "plain", "service", "texts_in", "tx"]

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
