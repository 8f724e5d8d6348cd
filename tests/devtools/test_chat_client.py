"""``bot-gateway chat`` against a real fake Bot API: buttons are numbered under the message that
carries them, a digits-only text can be sent with ``/say``, and ``/who`` reads like the rest."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import httpx

from devkit.fakes.stack import run_fakes
from devkit.tools.chat import ChatSession, Person, SeenMemory, pipeline_watch
from devkit.tools.fake_api import FakeTelegramClient
from devkit.tools.overrides import load_settings_with
from shared.connections import create_redis
from shared.pipeline import Keys, Pipeline
from tests.conftest import TEST_TOKEN
from tests.pipeline.ledger import make_update

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
                menu = {"keyboard": [[{"text": "Menu"}, {"text": "Help"}]], "resize_keyboard": True}
                sent = await bot.post(
                    "sendMessage",
                    json={"chat_id": USER.telegram_id, "text": "menu", "reply_markup": menu},
                )
                assert sent.json()["ok"], sent.text
            out.clear()
            await asyncio.to_thread(session.handle, "/say 42")
            assert out == [
                "bot: first card",
                "     buttons: [1] A  [2] B",
                "bot: second card",
                "     buttons: [3] C  [4] D",
                "bot: menu",
                "     keyboard: [5] Menu  [6] Help",
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


async def test_a_silent_answer_ends_the_wait_when_the_pipeline_is_done() -> None:
    async with run_fakes(telegram=True) as fakes:
        assert fakes.telegram_url is not None
        out: list[str] = []
        done: list[tuple[int, int]] = []

        def handled(chat_id: int, update_id: int) -> bool:
            done.append((chat_id, update_id))
            return True  # as the pipeline says of a throttled message: handled, nothing sent

        client = FakeTelegramClient(fakes.telegram_url)
        session = ChatSession(client, out.append, reply_timeout=60, settle=0.3, handled=handled)
        try:
            await asyncio.to_thread(session.become, USER)
            out.clear()
            await asyncio.to_thread(session.handle, "too fast")
        finally:
            client.close()
    assert out == ["(the bot handled it and answered nothing)"]
    assert done and done[0][0] == USER.telegram_id


async def test_pipeline_watch_reads_the_dev_stacks_queue(
    tmp_path: Path, redis_url: str, key_prefix: str
) -> None:
    """Done = seen by the pipeline and no longer in the chat's inbox, read through the running
    stack's state file."""
    prefix = key_prefix.replace(":", ".")
    settings = load_settings_with({"REDIS_KEY_PREFIX": prefix})
    token = settings.telegram.bot_token.get_secret_value()
    env = {"REDIS_URL": redis_url, "REDIS_KEY_PREFIX": prefix, "TELEGRAM_BOT_TOKEN": token}
    (tmp_path / "dev.json").write_text(json.dumps({"pid": os.getpid(), "env": env}))
    watch = pipeline_watch(tmp_path)
    assert watch is not None
    redis = create_redis(redis_url)
    try:
        update = make_update(77, 9_300_002, 1)
        await Pipeline(redis, settings).enqueue(update)
        assert not await asyncio.to_thread(watch, 9_300_002, 77)  # queued, not yet handled
        keys = Keys(prefix, settings.telegram.bot_id)
        await redis.zrem(keys.inbox("c9300002"), 77)  # what the drainer's ack does to the inbox
        assert await asyncio.to_thread(watch, 9_300_002, 77)
        assert not await asyncio.to_thread(watch, 9_300_002, 78)  # never seen
    finally:
        await redis.aclose()
    assert pipeline_watch(tmp_path / "nowhere") is None


async def test_a_new_session_shows_only_what_came_since_the_last_one(tmp_path: Path) -> None:
    async with run_fakes(telegram=True) as fakes:
        base = fakes.telegram_url
        assert base is not None
        memory = SeenMemory(tmp_path / "chat-seen.json", stack_pid=4242)

        async def bot_says(text: str) -> None:
            async with httpx.AsyncClient(base_url=f"{base}/bot{TEST_TOKEN}/") as bot:
                sent = await bot.post(
                    "sendMessage", json={"chat_id": USER.telegram_id, "text": text}
                )
                assert sent.json()["ok"], sent.text

        async def session(out: list[str], remember: SeenMemory) -> None:
            client = FakeTelegramClient(base)
            chat = ChatSession(client, out.append, reply_timeout=1, settle=0.2, memory=remember)
            try:
                await asyncio.to_thread(chat.become, USER)
            finally:
                chat.remember()
                client.close()

        first: list[str] = []
        await session(first, memory)  # creates the chat
        await bot_says("old news")
        await session(first, memory)
        assert "bot: old news" in first
        await bot_says("fresh news")
        second: list[str] = []
        await session(second, memory)
        assert "bot: fresh news" in second and "bot: old news" not in second
        # Another dev stack (a restarted fake numbers afresh): the memory does not apply.
        third: list[str] = []
        await session(third, SeenMemory(memory.path, stack_pid=4343))
        assert "bot: old news" in third
