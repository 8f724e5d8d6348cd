"""Feeding updates: getUpdates long polling, offsets, filters, conflicts, webhook delivery."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramConflictError

from devkit.fakes.serve import serve
from devkit.fakes.telegram import FakeTelegramServer, FakeTelegramState, fake_telegram_server

TOKEN = "123456789:AAFakeTokenForTheGatewayTests_0123456"
SECRET = "hook-Secret_1"


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[FakeTelegramServer]:
    state = FakeTelegramState(webhook_retry_delay=0.05)
    async with fake_telegram_server(state) as running:
        yield running


@pytest.fixture(scope="module")
async def module_bot(server: FakeTelegramServer) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, session=server.aiogram_session())
    try:
        yield bot
    finally:
        await bot.session.close()


@pytest.fixture
async def tg(server: FakeTelegramServer) -> FakeTelegramServer:
    await server.state.reset()
    return server


@pytest.fixture
def bot(tg: FakeTelegramServer, module_bot: Bot) -> Bot:
    return module_bot


class Receiver:
    """A webhook endpoint: records deliveries; answers with the queued statuses, then 200."""

    def __init__(self) -> None:
        self.deliveries: asyncio.Queue[tuple[dict[str, str], dict[str, Any]]] = asyncio.Queue()
        self.statuses: list[int] = []
        self.reply: dict[str, Any] | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        status = self.statuses.pop(0) if self.statuses else 200
        await self.deliveries.put((headers, json.loads(body)))
        payload = json.dumps(self.reply).encode() if self.reply and status == 200 else b""
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def next(self) -> tuple[dict[str, str], dict[str, Any]]:
        return await asyncio.wait_for(self.deliveries.get(), 5)


async def test_long_poll_wakes_as_soon_as_an_update_is_queued(
    tg: FakeTelegramServer, bot: Bot
) -> None:
    user = tg.state.user(7001, "Dilnoza")
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await tg.state.updates.wait_for_poller()
    started = time.monotonic()
    user.send_text(None, "Salom")
    updates = await asyncio.wait_for(poll, 5)
    assert time.monotonic() - started < 1.0
    assert [u.message.text for u in updates if u.message] == ["Salom"]


async def test_empty_long_poll_times_out_with_no_updates(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == []
    assert time.monotonic() - started >= 0.9


async def test_offset_confirms_earlier_updates(tg: FakeTelegramServer, bot: Bot) -> None:
    user = tg.state.user(7002, "Sardor")
    ids = [user.send_text(None, f"m{i}")["update_id"] for i in range(3)]
    assert ids == [ids[0], ids[0] + 1, ids[0] + 2]
    first = await bot.get_updates()
    assert [u.update_id for u in first] == ids  # unconfirmed updates come again
    again = await bot.get_updates(offset=ids[1])
    assert [u.update_id for u in again] == ids[1:]
    limited = await bot.get_updates(offset=ids[1], limit=1)
    assert [u.update_id for u in limited] == [ids[1]]
    assert await bot.get_updates(offset=ids[2] + 1) == []
    assert tg.state.updates.pending == []
    await tg.state.wait_until_consumed(ids[2], timeout=1)


async def test_negative_offset_keeps_the_last_updates(tg: FakeTelegramServer, bot: Bot) -> None:
    user = tg.state.user(7003, "Kamola")
    ids = [user.send_text(None, f"m{i}")["update_id"] for i in range(4)]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == ids[-1:]
    assert [u.update_id for u in await bot.get_updates()] == ids[-1:]


async def test_allowed_updates_filters_new_updates(tg: FakeTelegramServer, bot: Bot) -> None:
    user = tg.state.user(7004, "Bekzod")
    sent = await bot.send_message(user.chat_id, "Menu")
    assert await bot.get_updates(allowed_updates=["callback_query"]) == []
    dropped = user.send_text(None, "ignored")
    assert "update_id" not in dropped
    sent_json = sent.model_dump(mode="json")
    sent_json["reply_markup"] = None
    with pytest.raises(LookupError):
        user.press(sent_json, 0)  # no keyboard: nothing to press
    assert await bot.get_updates() == []
    assert await bot.get_updates(allowed_updates=[]) == []
    kept = user.send_text(None, "seen")
    assert [u.update_id for u in await bot.get_updates()] == [kept["update_id"]]


async def test_newer_poll_terminates_the_older_one(tg: FakeTelegramServer, bot: Bot) -> None:
    user = tg.state.user(7005, "Jasur")
    older = asyncio.create_task(bot.get_updates(timeout=20))
    await tg.state.updates.wait_for_poller()
    newer = asyncio.create_task(bot.get_updates(timeout=20))
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(older, 5)
    await tg.state.updates.wait_for_poller()
    user.send_text(None, "hi")
    assert len(await asyncio.wait_for(newer, 5)) == 1


async def test_webhook_delivery_with_secret_and_conflict_with_polling(
    tg: FakeTelegramServer, bot: Bot
) -> None:
    receiver = Receiver()
    async with serve(receiver) as hook_url:
        assert await bot.set_webhook(f"{hook_url}/tg", secret_token=SECRET)
        user = tg.state.user(7006, "Malika")
        update = user.send_text(None, "/start")
        headers, body = await receiver.next()
        assert headers["x-telegram-bot-api-secret-token"] == SECRET
        assert body == update
        assert body["message"]["entities"][0]["type"] == "bot_command"
        await tg.state.wait_until_consumed(update["update_id"], timeout=2)

        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates()
        info = await bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (f"{hook_url}/tg", 0)
        assert await bot.delete_webhook()
    queued = user.send_text(None, "after webhook")
    assert [u.update_id for u in await bot.get_updates()] == [queued["update_id"]]


async def test_webhook_retries_and_keeps_chat_order(tg: FakeTelegramServer, bot: Bot) -> None:
    receiver = Receiver()
    receiver.statuses = [500]
    async with serve(receiver) as hook_url:
        assert await bot.set_webhook(hook_url)
        user = tg.state.user(7007, "Nodira")
        first = user.send_text(None, "one")
        second = user.send_text(None, "two")
        seen = [(await receiver.next())[1]["update_id"] for _ in range(3)]
        assert seen == [first["update_id"], first["update_id"], second["update_id"]]
        await tg.state.wait_until_consumed(second["update_id"], timeout=2)
        info = await bot.get_webhook_info()
        assert info.last_error_message is not None and "500" in info.last_error_message
        assert await bot.delete_webhook()


async def test_webhook_reply_body_is_executed(tg: FakeTelegramServer, bot: Bot) -> None:
    receiver = Receiver()
    user = tg.state.user(7008, "Otabek")
    receiver.reply = {"method": "sendMessage", "chat_id": user.chat_id, "text": "Xush kelibsiz"}
    async with serve(receiver) as hook_url:
        assert await bot.set_webhook(hook_url)
        user.send_text(None, "/start")
        call = await tg.state.wait_for_call("sendMessage", chat_id=user.chat_id, timeout=5)
        assert call.ok and call.result["text"] == "Xush kelibsiz"
        assert await bot.delete_webhook(drop_pending_updates=True)


async def test_user_actions_are_real_shaped(tg: FakeTelegramServer, bot: Bot) -> None:
    user = tg.state.user(7009, "Laylo", "uz", username="laylo")
    user.share_contact()
    user.send_photo(caption="Kran")
    user.send_location(latitude=41.3, longitude=69.2)
    user.send_command("start", "invite-abc")
    contact, photo, location, command = await bot.get_updates()
    assert contact.message and contact.message.contact
    assert contact.message.contact.user_id == 7009
    assert contact.message.contact.phone_number == "+998901234567"
    assert photo.message and photo.message.photo and photo.message.caption == "Kran"
    file = await bot.get_file(photo.message.photo[-1].file_id)
    assert file.file_size and file.file_size > 0
    assert location.message and location.message.location
    assert command.message and command.message.text == "/start invite-abc"
    assert command.message.from_user and command.message.from_user.language_code == "uz"
    ids = [u.message.message_id for u in (contact, photo, location, command) if u.message]
    assert ids == [1, 2, 3, 4]


async def test_press_button_and_block_updates(tg: FakeTelegramServer, bot: Bot) -> None:
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    user = tg.state.user(7010, "Rustam")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Ha", callback_data="y")],
            [InlineKeyboardButton(text="Sayt", url="https://example.org")],
        ]
    )
    await bot.send_message(user.chat_id, "Tasdiqlaysizmi?", reply_markup=markup)
    pressed = user.press_button("Ha")
    with pytest.raises(LookupError, match="no callback_data"):
        user.press_button("Sayt")
    user.block_bot()
    updates = await bot.get_updates(offset=pressed["update_id"])
    assert updates[0].callback_query and updates[0].callback_query.data == "y"
    assert updates[1].my_chat_member
    assert updates[1].my_chat_member.new_chat_member.status == "kicked"
    kinds = [(e.direction, e.kind) for e in tg.state.transcript(user.chat_id)]
    assert kinds == [
        ("out", "message"),
        ("in", "callback_query"),
        ("in", "my_chat_member"),
    ]
