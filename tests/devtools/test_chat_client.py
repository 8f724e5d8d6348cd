"""``bot-gateway chat`` against a real fake Bot API: buttons are numbered under the message that
carries them, a digits-only text can be sent with ``/say``, and ``/who`` reads like the rest."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from devkit.fakes.stack import run_fakes
from devkit.tools.chat import ChatSession, Person
from devkit.tools.fake_api import FakeTelegramClient
from tests.conftest import TEST_TOKEN

USER = Person(9_300_001, "Dilnoza", "ru", "Saidova", "dilnoza_s")


def _inline(*labels: str) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": t, "callback_data": f"cb:{t}"} for t in labels]]}


async def test_buttons_under_their_messages_say_and_who() -> None:
    async with run_fakes(telegram=True) as fakes:
        base = fakes.telegram_url
        assert base is not None
        out: list[str] = []
        client = FakeTelegramClient(base)
        session = ChatSession(client, out.append, reply_timeout=5, settle=0.3)
        try:
            await asyncio.to_thread(session.become, USER)
            async with httpx.AsyncClient(base_url=f"{base}/bot{TEST_TOKEN}/") as bot:
                for text, labels in (("first card", ("A", "B")), ("second card", ("C", "D"))):
                    sent = await bot.post(
                        "sendMessage",
                        json={
                            "chat_id": USER.telegram_id,
                            "text": text,
                            "reply_markup": _inline(*labels),
                        },
                    )
                    assert sent.json()["ok"], sent.text
            out.clear()
            await asyncio.to_thread(session.handle, "/say 42")
            assert out == [
                "bot: first card",
                "     buttons: [1] A  [2] B",
                "bot: second card",
                "     buttons: [3] C  [4] D",
            ]
            state = fakes.telegram_app.state
            texts = [u["message"]["text"] for u in state.updates.pending if "message" in u]
            assert texts == ["42"]  # sent as a message, not taken for button 42

            out.clear()
            await asyncio.to_thread(session.handle, "3")
            assert out[0] == "(you pressed [C])"
            presses = [
                u["callback_query"]["data"] for u in state.updates.pending if "callback_query" in u
            ]
            assert presses == ["cb:C"]

            out.clear()
            await asyncio.to_thread(session.handle, "/who")
            assert out == ["(you are Dilnoza Saidova @dilnoza_s [9300001], language ru)"]
        finally:
            client.close()
