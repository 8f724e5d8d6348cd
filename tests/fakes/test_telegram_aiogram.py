"""aiogram's real ``Bot`` against the fake Bot API over a loopback socket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.types.media_union import MediaUnion

from devkit.fakes.telegram import FakeTelegramServer, FakeTelegramState, fake_telegram_server

TOKEN = "123456789:AAFakeTokenForTheGatewayTests_0123456"
USER_ID = 5001


@pytest.fixture(scope="module")
async def server() -> AsyncIterator[FakeTelegramServer]:
    async with fake_telegram_server(FakeTelegramState(), tokens={TOKEN}) as running:
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
    """The shared server with a fresh state: one known user, nothing recorded."""
    await server.state.reset()
    server.state.user(USER_ID, "Aziz", "uz")
    return server


@pytest.fixture
def bot(tg: FakeTelegramServer, module_bot: Bot) -> Bot:
    return module_bot


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d)] for t, d in pairs]
    )


async def test_get_me_reports_the_token_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123456789
    assert me.is_bot


async def test_unknown_token_is_unauthorized(tg: FakeTelegramServer) -> None:
    other = Bot("987654321:AAOtherTokenOtherTokenOtherToken_0000", session=tg.aiogram_session())
    try:
        with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
            await other.get_me()
    finally:
        await other.session.close()


async def test_send_message_is_a_real_message_and_in_the_transcript(
    tg: FakeTelegramServer, bot: Bot
) -> None:
    first = await bot.send_message(USER_ID, "<b>Salom</b>, Aziz!", parse_mode="HTML")
    second = await bot.send_message(
        USER_ID, "Tanlang", reply_markup=keyboard(("Ha", "yes"), ("Yo'q", "no"))
    )
    assert first.text == "Salom, Aziz!"
    assert first.entities is not None and first.entities[0].type == "bold"
    assert first.from_user is not None and first.from_user.id == 123456789
    assert second.message_id == first.message_id + 1
    assert second.reply_markup is not None
    assert second.reply_markup.inline_keyboard[1][0].callback_data == "no"

    out = tg.state.transcript(USER_ID, "out")
    assert [e.text for e in out] == ["Salom, Aziz!", "Tanlang"]
    assert out[1].button_texts == [["Ha"], ["Yo'q"]]
    assert out[1].buttons[0][0]["callback_data"] == "yes"


async def test_reply_keyboard_is_in_the_transcript_not_in_the_message(
    tg: FakeTelegramServer, bot: Bot
) -> None:
    markup = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Telefon", request_contact=True)]], resize_keyboard=True
    )
    message = await bot.send_message(USER_ID, "Raqamingiz?", reply_markup=markup)
    assert message.reply_markup is None  # Telegram echoes only inline keyboards
    assert tg.state.transcript(USER_ID)[-1].keyboard == [["Telefon"]]


async def test_edit_then_identical_edit_is_not_modified(tg: FakeTelegramServer, bot: Bot) -> None:
    sent = await bot.send_message(USER_ID, "Step 1", reply_markup=keyboard(("Next", "n")))
    edited = await bot.edit_message_text(
        text="Step 2",
        chat_id=USER_ID,
        message_id=sent.message_id,
        reply_markup=keyboard(("Ok", "o")),
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Step 2"
    assert edited.edit_date is not None
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            text="Step 2",
            chat_id=USER_ID,
            message_id=sent.message_id,
            reply_markup=keyboard(("Ok", "o")),
        )
    # Same text without reply_markup removes the keyboard: that is a modification.
    stripped = await bot.edit_message_text(
        text="Step 2", chat_id=USER_ID, message_id=sent.message_id
    )
    assert not isinstance(stripped, bool)
    assert stripped.reply_markup is None
    kinds = [e.kind for e in tg.state.transcript(USER_ID, "out")]
    assert kinds == ["message", "edit", "edit"]


async def test_edit_of_unknown_message_and_markup_edit(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text(text="x", chat_id=USER_ID, message_id=999)
    sent = await bot.send_message(USER_ID, "Menu", reply_markup=keyboard(("A", "a")))
    changed = await bot.edit_message_reply_markup(
        chat_id=USER_ID, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
    )
    assert not isinstance(changed, bool)
    assert changed.reply_markup is not None
    assert changed.reply_markup.inline_keyboard[0][0].text == "B"
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=USER_ID, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
        )


async def test_answer_callback_query_once_only(tg: FakeTelegramServer, bot: Bot) -> None:
    sent = await bot.send_message(USER_ID, "Rate", reply_markup=keyboard(("5", "rate:5")))
    update = tg.state.users[USER_ID].press(sent.model_dump(mode="json"), "5")
    query = update["callback_query"]
    assert query["data"] == "rate:5"
    assert query["message"]["message_id"] == sent.message_id

    assert await bot.answer_callback_query(query["id"], text="Rahmat") is True
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query["id"])
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("123")
    answer = tg.state.transcript(USER_ID, "out")[-1]
    assert (answer.kind, answer.text, answer.message_id) == (
        "callback_answer",
        "Rahmat",
        sent.message_id,
    )


async def test_flood_knob_raises_retry_after(tg: FakeTelegramServer, bot: Bot) -> None:
    tg.state.flood(count=2, retry_after=7, method="sendMessage")
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as caught:
            await bot.send_message(USER_ID, "hi")
        assert caught.value.retry_after == 7
    assert (await bot.send_message(USER_ID, "hi")).text == "hi"
    statuses = [c.status for c in tg.state.calls_to("sendMessage")]
    assert statuses == [429, 429, 200]
    assert tg.state.calls_to("sendMessage")[0].retry_after == 7


async def test_flood_on_other_method_does_not_touch_send(tg: FakeTelegramServer, bot: Bot) -> None:
    tg.state.flood(count=1, retry_after=3, method="editMessageText")
    assert (await bot.send_message(USER_ID, "ok")).text == "ok"
    assert tg.state.faults.pending_errors == 1


async def test_blocked_chat_is_forbidden(tg: FakeTelegramServer, bot: Bot) -> None:
    tg.state.users[USER_ID].block_bot()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(USER_ID, "still there?")
    tg.state.block_chat(USER_ID, False)
    assert (await bot.send_message(USER_ID, "welcome back")).text == "welcome back"


async def test_unknown_chat_is_bad_request(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(777, "who?")


async def test_callback_data_over_64_bytes_is_rejected(tg: FakeTelegramServer, bot: Bot) -> None:
    fits = "ж" * 32  # 64 bytes in UTF-8
    await bot.send_message(USER_ID, "ok", reply_markup=keyboard(("x", fits)))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(USER_ID, "too long", reply_markup=keyboard(("x", fits + "a")))
    assert [c.status for c in tg.state.calls_to("sendMessage")] == [200, 400]


async def test_text_limits(bot: Bot) -> None:
    assert await bot.send_message(USER_ID, "я" * 4096)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(USER_ID, "я" * 4097)
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(USER_ID, "1 < 2 <b>bold", parse_mode="HTML")
    # Tags do not count towards the limit.
    assert await bot.send_message(USER_ID, "<b>" + "a" * 4096 + "</b>", parse_mode="HTML")


async def test_photo_upload_is_multipart_and_downloadable(tg: FakeTelegramServer, bot: Bot) -> None:
    data = b"\xff\xd8\xff fake jpeg bytes"
    sent = await bot.send_photo(USER_ID, BufferedInputFile(data, filename="p.jpg"), caption="Rasm")
    assert sent.photo is not None and sent.caption == "Rasm"
    call = tg.state.calls_to("sendPhoto")[-1]
    (upload,) = call.uploads.values()
    assert (upload.filename, upload.size) == ("p.jpg", len(data))
    assert str(call.params["photo"]).startswith("attach://")

    file = await bot.get_file(sent.photo[-1].file_id)
    assert file.file_path is not None
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{tg.base_url}/file/bot{TOKEN}/{file.file_path}")
    assert response.content == data
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(USER_ID, sent.photo[-1].file_id, caption="c" * 1025)


async def test_media_group_and_chat_action(tg: FakeTelegramServer, bot: Bot) -> None:
    media: list[MediaUnion] = [
        InputMediaPhoto(media=BufferedInputFile(b"one", "1.jpg"), caption="first"),
        InputMediaPhoto(media=BufferedInputFile(b"two", "2.jpg")),
    ]
    messages = await bot.send_media_group(USER_ID, media)
    assert len(messages) == 2
    assert messages[0].media_group_id == messages[1].media_group_id is not None
    assert await bot.send_chat_action(USER_ID, "typing")
    assert tg.state.transcript(USER_ID, "out")[-1].data == {"action": "typing"}


async def test_commands_per_scope_and_language(bot: Bot) -> None:
    commands = [BotCommand(command="start", description="Boshlash")]
    assert await bot.set_my_commands(commands, BotCommandScopeAllPrivateChats(), "uz")
    got = await bot.get_my_commands(BotCommandScopeAllPrivateChats(), "uz")
    assert [c.command for c in got] == ["start"]
    assert await bot.get_my_commands() == []
    assert await bot.delete_my_commands(BotCommandScopeAllPrivateChats(), "uz")
    assert await bot.get_my_commands(BotCommandScopeAllPrivateChats(), "uz") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])


async def test_delete_message(tg: FakeTelegramServer, bot: Bot) -> None:
    sent = await bot.send_message(USER_ID, "temporary")
    assert await bot.delete_message(USER_ID, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(USER_ID, sent.message_id)
    assert tg.state.bot_messages(USER_ID) == []


async def test_wait_for_counts_history(tg: FakeTelegramServer, bot: Bot) -> None:
    await bot.send_message(USER_ID, "one")
    await bot.send_message(USER_ID, "two")
    second = await tg.state.wait_for_call("sendMessage", chat_id=USER_ID, count=2, timeout=1)
    assert second.params["text"] == "two"
    with pytest.raises(TimeoutError):
        await tg.state.wait_for_call("sendMessage", chat_id=USER_ID, count=3, timeout=0.05)


async def test_other_common_methods_parse_in_aiogram(tg: FakeTelegramServer, bot: Bot) -> None:
    chat = await bot.get_chat(USER_ID)
    assert (chat.id, chat.type, chat.first_name) == (USER_ID, "private", "Aziz")
    member = await bot.get_chat_member(USER_ID, USER_ID)
    assert member.status == "member"
    document = await bot.send_document(
        USER_ID,
        BufferedInputFile(b"%PDF", "act.pdf"),
        caption="Akt",
        reply_markup=keyboard(("x", "x")),
    )
    assert document.document is not None and document.document.file_name == "act.pdf"
    recaptioned = await bot.edit_message_caption(
        chat_id=USER_ID, message_id=document.message_id, caption="Akt №2"
    )
    assert not isinstance(recaptioned, bool) and recaptioned.caption == "Akt №2"
    with pytest.raises(TelegramBadRequest, match="there is no text in the message to edit"):
        await bot.edit_message_text(text="t", chat_id=USER_ID, message_id=document.message_id)
    copied = await bot.copy_message(USER_ID, USER_ID, document.message_id)
    forwarded = await bot.forward_message(USER_ID, USER_ID, document.message_id)
    assert forwarded.forward_origin is not None and forwarded.message_id == copied.message_id + 1
    contact = await bot.send_contact(USER_ID, "+998711234567", "Dispetcher")
    assert contact.contact is not None and contact.contact.phone_number == "+998711234567"
    location = await bot.send_location(USER_ID, 41.31, 69.24)
    assert location.location is not None and location.location.latitude == 41.31
    assert await bot.set_my_description("Uy-joy xizmati", language_code="uz")
    assert (await bot.get_my_description(language_code="uz")).description == "Uy-joy xizmati"
    assert await bot.delete_messages(USER_ID, [contact.message_id, location.message_id, 999])
    remaining = [m["message_id"] for m in tg.state.bot_messages(USER_ID)]
    assert remaining == [document.message_id, copied.message_id, forwarded.message_id]
