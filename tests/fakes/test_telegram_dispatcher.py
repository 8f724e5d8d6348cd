"""A real aiogram Dispatcher polling the fake: /start, a button press, the answer and the edit."""

from __future__ import annotations

import asyncio

from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from devkit.fakes.telegram import FakeTelegramState, fake_telegram_server

TOKEN = "555000111:AADispatcherTokenDispatcherToken_42"


def build_router() -> Router:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        markup = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="O'zbekcha", callback_data="lang:uz")]]
        )
        await message.answer("Tilni tanlang / Выберите язык", reply_markup=markup)

    @router.callback_query(F.data.startswith("lang:"))
    async def choose(query: CallbackQuery) -> None:
        await query.answer("Saqlandi")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"Til: {query.data}")

    return router


async def test_polling_bot_round_trip() -> None:
    state = FakeTelegramState()
    async with fake_telegram_server(state, tokens={TOKEN}) as tg:
        user = state.user(8001, "Gulnora", "uz")
        dp = Dispatcher()
        dp.include_router(build_router())
        bot = Bot(TOKEN, session=tg.aiogram_session())
        polling = asyncio.create_task(
            dp.start_polling(bot, handle_signals=False, polling_timeout=5)
        )
        try:
            user.send_command("start")
            greeting = await state.wait_for_call("sendMessage", chat_id=user.chat_id)
            assert greeting.ok
            pressed = user.press(greeting, "O'zbekcha")
            answer = await state.wait_for_call("answerCallbackQuery")
            edit = await state.wait_for_call("editMessageText", chat_id=user.chat_id)
            assert answer.ok and edit.ok
            assert edit.result["text"] == "Til: lang:uz"
            assert "reply_markup" not in edit.result  # edit without markup drops the keyboard
            # The poller confirms what it received with its next getUpdates offset.
            await state.wait_until_consumed(pressed["update_id"])
            assert state.updates.pending == []
        finally:
            await dp.stop_polling()
            await asyncio.wait_for(polling, 10)
        out = [(e.kind, e.text) for e in state.transcript(user.chat_id, "out")]
        assert out == [
            ("message", "Tilni tanlang / Выберите язык"),
            ("callback_answer", "Saqlandi"),
            ("edit", "Til: lang:uz"),
        ]
