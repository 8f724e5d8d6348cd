"""A small bot for the tool tests: the shapes of replies real features produce.

``create_handler`` is a handler factory (``--handler tests.devtools.echo_bot:create_handler``):
the real runtime — middlewares, FSM in Redis, Bot API session — with this router instead of the
feature routers.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from shared.errors import ServiceUnavailable
from workers.bot.core.gate import PUBLIC
from workers.pipeline.drain import UpdateHandler

GREETING = "Hello, {name}! Shall we go on?"


def create_router(greeting: str = GREETING) -> Router:
    router = Router(name="echo-bot")

    @router.message(Command("hello"), flags=PUBLIC)
    async def hello(message: Message) -> None:
        name = message.from_user.first_name if message.from_user else "?"
        buttons = [
            [
                InlineKeyboardButton(text="Yes", callback_data="go:yes"),
                InlineKeyboardButton(text="No", callback_data="go:no"),
            ]
        ]
        await message.answer(
            greeting.format(name=name), reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons)
        )

    @router.callback_query(F.data.startswith("go:"), flags=PUBLIC)
    async def go(query: CallbackQuery) -> None:
        choice = (query.data or "").split(":", 1)[1]
        await query.answer(f"chosen {choice}")
        if query.message is not None and isinstance(query.message, Message):
            await query.message.edit_text(f"You said {choice}.")

    @router.message(Command("phone"), flags=PUBLIC)
    async def phone(message: Message) -> None:
        keyboard = ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="Share my number", request_contact=True)]],
            resize_keyboard=True,
        )
        await message.answer("Your number, please.", reply_markup=keyboard)

    @router.message(F.contact, flags=PUBLIC)
    async def contact(message: Message) -> None:
        assert message.contact is not None
        await message.answer(f"Thanks, {message.contact.phone_number}.")

    @router.message(Command("count"), flags=PUBLIC)
    async def count(message: Message, state: FSMContext) -> None:
        data = await state.get_data()
        seen = int(data.get("seen", 0)) + 1
        await state.update_data(seen=seen)
        await message.answer(f"count {seen}")

    @router.message(Command("outage"), flags=PUBLIC)
    async def outage(message: Message) -> None:
        raise ServiceUnavailable("request", "the request service is down")

    @router.message(F.photo, flags=PUBLIC)
    async def photo(message: Message) -> None:
        await message.answer(f"photo received: {message.caption or 'no caption'}")

    @router.message(F.text, flags=PUBLIC)
    async def echo(message: Message) -> None:
        await message.answer(f"echo: {message.text}")

    return router


async def _handler(ctx: dict[str, Any], router: Router) -> tuple[UpdateHandler, Any]:
    from shared.settings import Settings, load_settings
    from workers.bot.runtime import RUNTIME_CTX_KEY, UpdateProcessor, build_runtime

    settings = ctx.get("settings")
    if not isinstance(settings, Settings):
        settings = load_settings()
    runtime = await build_runtime(settings, routers=[router])
    ctx[RUNTIME_CTX_KEY] = runtime
    return UpdateProcessor(runtime), runtime.close


async def create_handler(ctx: dict[str, Any]) -> tuple[UpdateHandler, Any]:
    return await _handler(ctx, create_router())


async def create_changed_handler(ctx: dict[str, Any]) -> tuple[UpdateHandler, Any]:
    """The same bot after someone reworded its greeting."""
    return await _handler(ctx, create_router("Hi, {name}! Continue?"))
