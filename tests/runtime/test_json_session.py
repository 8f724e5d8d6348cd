"""The Bot API session: JSON bodies to the fake Bot API over HTTP, uploads still multipart, and
aiogram's own exceptions for error replies and undecodable ones."""

from __future__ import annotations

import datetime
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    BanChatMember,
    EditMessageReplyMarkup,
    EditMessageText,
    SendLocation,
    SendMediaGroup,
    SendMessage,
    SendPhoto,
    SetMyCommands,
    TelegramMethod,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    LinkPreviewOptions,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    ReplyParameters,
)
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


def dumped_whole(session: JsonSession, bot: Bot, method: TelegramMethod[Any]) -> Any:
    """The body as it was built before: ``prepare_value`` over the method's full dump."""
    files: dict[str, Any] = {}
    payload: dict[str, Any] = {}
    for key, value in method.model_dump(warnings=False, exclude_none=True).items():
        prepared = session.prepare_value(value, bot=bot, files=files, _dumps_json=False)
        if prepared:
            payload[key] = prepared
    return None if files else payload


UNTIL = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
METHODS: list[TelegramMethod[Any]] = [
    SendMessage(chat_id=5, text="привет"),
    SendMessage(
        chat_id="@channel",
        text="y",
        parse_mode=None,
        reply_markup=keyboard(),
        disable_notification=False,
        protect_content=True,
    ),
    SendMessage(
        chat_id=5,
        text="<b>z</b>",
        parse_mode=ParseMode.HTML,
        entities=[MessageEntity(type="bold", offset=0, length=1)],
        link_preview_options=LinkPreviewOptions(is_disabled=True),
        reply_parameters=ReplyParameters(message_id=3),
    ),
    SendMessage(
        chat_id=5,
        text="📞",
        reply_markup=ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="Номер", request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=False,
        ),
    ),
    SendMessage(chat_id=5, text="k", reply_markup=ReplyKeyboardRemove()),
    SendMessage(chat_id=5, text="k", reply_markup=ForceReply(input_field_placeholder="Имя")),
    SendMessage(chat_id=5, text="extra", unknown={"a": None, "b": [1, None]}),
    EditMessageText(chat_id=5, message_id=4, text="e", reply_markup=keyboard()),
    EditMessageText(
        inline_message_id="abc",
        text="e",
        link_preview_options=LinkPreviewOptions(url="https://example.org", show_above_text=True),
    ),
    EditMessageReplyMarkup(
        chat_id=5, message_id=4, reply_markup=InlineKeyboardMarkup(inline_keyboard=[])
    ),
    AnswerCallbackQuery(callback_query_id="q", text="t", show_alert=False, cache_time=0),
    BanChatMember(chat_id=-100, user_id=5, until_date=UNTIL),
    BanChatMember(chat_id=-100, user_id=5, until_date=1_900_000_000),
    SetMyCommands(
        commands=[BotCommand(command="start", description="Старт")],
        scope=BotCommandScopeChat(chat_id=5),
        language_code="ru",
    ),
    SendPhoto(chat_id=5, photo="AgAC-file-id", caption="c"),
    SendPhoto(chat_id=5, photo=BufferedInputFile(b"x", filename="a.png")),
    SendMediaGroup(
        chat_id=5,
        media=[
            InputMediaPhoto(media="id1"),
            InputMediaPhoto(media=BufferedInputFile(b"x", filename="b.png")),
        ],
    ),
    SendMediaGroup(chat_id=5, media=[InputMediaPhoto(media="id1", caption="a")]),
    SendLocation(chat_id=5, latitude=41.3, longitude=69.2),
]
DEFAULTS = [
    DefaultBotProperties(parse_mode="HTML"),
    DefaultBotProperties(
        parse_mode=ParseMode.MARKDOWN_V2,
        link_preview_is_disabled=True,
        protect_content=True,
        link_preview=LinkPreviewOptions(prefer_small_media=True),
    ),
    DefaultBotProperties(),
]


@pytest.mark.parametrize("default", DEFAULTS, ids=["html", "all-set", "none"])
@pytest.mark.parametrize("method", METHODS, ids=lambda m: type(m).__name__)
def test_the_body_is_the_full_dumps_body_key_for_key(
    method: TelegramMethod[Any], default: DefaultBotProperties
) -> None:
    """Plain fields are taken without pydantic's dump; the object (and its key order) and the
    JSON sent are still what ``prepare_value`` over the full dump gave."""
    session = JsonSession()
    bot = Bot(TEST_TOKEN, session=session, default=default)
    expected = dumped_whole(session, bot, method)
    built = session.build_json(bot, method)
    assert built == expected
    if expected is not None and built is not None:
        assert list(built) == list(expected)
        assert json.loads(session.encode(built)) == json.loads(json.dumps(expected))


def test_the_body_is_utf8_json_and_odd_values_fall_back_to_json_dumps() -> None:
    session = JsonSession()
    assert session.encode({"chat_id": 5, "text": "привет"}) == (
        '{"chat_id":5,"text":"привет"}'.encode()
    )

    class Text(str):
        pass

    assert session.encode({"text": Text("x")}) == '{"text": "x"}'
    custom = JsonSession(json_dumps=lambda value: "custom")
    assert custom.encode({"text": "x"}) == "custom"


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
