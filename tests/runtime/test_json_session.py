"""The Bot API session: JSON bodies to the fake Bot API over HTTP, uploads still multipart, and
aiogram's own exceptions for error replies and undecodable ones."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.methods import SendMessage, SendPhoto
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web

from devkit.fakes.telegram import FakeTelegramServer
from tests.conftest import TEST_TOKEN
from tests.runtime.conftest import new_id
from workers.bot.telegram.json_session import JsonSession


@pytest.fixture
async def bot(tg: FakeTelegramServer) -> AsyncIterator[Bot]:
    session = JsonSession(api=TelegramAPIServer.from_base(tg.base_url))
    bot = Bot(TEST_TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    try:
        yield bot
    finally:
        await bot.session.close()


def keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Да ✅", callback_data="rq:ok:42")]]
    )


def test_parameters_become_one_json_object_with_defaults_resolved(tg: FakeTelegramServer) -> None:
    session = JsonSession()
    bot = Bot(TEST_TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))
    method = SendMessage(chat_id=5, text="привет", reply_markup=keyboard())
    payload = session.build_json(bot, method)
    assert payload == {
        "chat_id": 5,
        "text": "привет",
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "Да ✅", "callback_data": "rq:ok:42"}]]},
    }
    upload = BufferedInputFile(b"\x89PNG", filename="leak.png")
    assert session.build_json(bot, SendPhoto(chat_id=5, photo=upload)) is None


async def test_a_message_with_a_keyboard_goes_through_and_decodes(
    bot: Bot, tg: FakeTelegramServer
) -> None:
    user = tg.state.user(new_id(), "Aziz")
    sent = await bot.send_message(user.chat_id, "<b>Заявка</b> принята", reply_markup=keyboard())
    assert sent.chat.id == user.chat_id
    assert sent.text == "Заявка принята"  # the fake applied parse_mode=HTML (the default)
    (call,) = tg.state.calls_to("sendMessage", chat_id=user.chat_id)
    assert call.ok
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "rq:ok:42"
    # The decoded message is bound to the bot, like aiogram's own session returns it.
    assert sent.bot is bot


async def test_an_upload_still_goes_as_multipart(bot: Bot, tg: FakeTelegramServer) -> None:
    user = tg.state.user(new_id(), "Aziz")
    photo = BufferedInputFile(b"\x89PNG\r\n\x1a\n" + b"0" * 64, filename="leak.png")
    sent = await bot.send_photo(user.chat_id, photo, caption="Течь")
    assert sent.photo and sent.caption == "Течь"
    (call,) = tg.state.calls_to("sendPhoto", chat_id=user.chat_id)
    assert call.ok and len(call.uploads) == 1


async def test_error_replies_raise_aiograms_exceptions(bot: Bot, tg: FakeTelegramServer) -> None:
    user = tg.state.user(new_id(), "Aziz")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(new_id() * 1000, "x")
    tg.state.flood(count=1, retry_after=7, method="sendMessage")
    with pytest.raises(TelegramRetryAfter) as flood:
        await bot.send_message(user.chat_id, "x")
    assert flood.value.retry_after == 7
    tg.state.block_chat(user.chat_id)
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(user.chat_id, "x")


async def test_an_undecodable_reply_is_a_decode_error_without_the_token() -> None:
    async def garbage(request: web.Request) -> web.Response:
        return web.Response(text='{"ok": true, "result": {"message_id": "nope"}', status=200)

    app = web.Application()
    app.router.add_post("/{tail:.*}", garbage)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    bot = Bot(
        TEST_TOKEN, session=JsonSession(api=TelegramAPIServer.from_base(f"http://127.0.0.1:{port}"))
    )
    try:
        with pytest.raises(ClientDecodeError) as caught:
            await bot.send_message(1, "x")
        assert TEST_TOKEN not in str(caught.value)
    finally:
        await bot.session.close()
        await runner.cleanup()
