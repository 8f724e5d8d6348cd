"""A small router for exercising the runtime: the shapes of handlers features will write."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from shared.clients import ServiceClients
from shared.errors import NotFound, ServiceUnavailable
from workers.bot.core.auth import AuthContext
from workers.bot.core.gate import PUBLIC
from workers.bot.core.texts import COMMAND_DISABLED

# Chats whose next /flaky fails transiently (a test arms it); shared by the test and the router.
FLAKY: dict[int, int] = {}


async def echo(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    seen = int(data.get("seen", 0)) + 1
    await state.update_data(seen=seen)
    await message.answer(f"echo {seen} {message.text}")


async def flaky(message: Message) -> None:
    if FLAKY.get(message.chat.id, 0) > 0:
        FLAKY[message.chat.id] -= 1
        raise ServiceUnavailable("request", "test outage")
    await message.answer(f"flaky ok {message.text}")


async def boom(message: Message) -> None:
    raise ValueError("a bug in a handler")


async def notfound(message: Message) -> None:
    raise NotFound("the request does not exist")


async def users(message: Message) -> None:
    await message.answer("users list")


async def settings(message: Message) -> None:
    await message.answer("settings page")


async def help_(message: Message, locale: str) -> None:
    # A catalog text, so the reply shows which catalog the locale picked.
    await message.answer(f"{locale}|{_(COMMAND_DISABLED)}")


async def whoami(message: Message, auth: AuthContext) -> None:
    await message.answer(f"{auth.status} {auth.active_role}")


async def me(message: Message, auth: AuthContext, clients: ServiceClients) -> None:
    info = await auth.call(clients.auth.me)
    await message.answer(f"me {info.user_id}")


async def keyboard(message: Message) -> None:
    buttons = [
        [InlineKeyboardButton(text="Go", callback_data="act:1")],
        [InlineKeyboardButton(text="Break", callback_data="bad:1")],
    ]
    await message.answer("pick", reply_markup=InlineKeyboardMarkup(inline_keyboard=buttons))


async def act(query: CallbackQuery) -> None:
    await query.answer("done")


async def bad(query: CallbackQuery) -> None:
    raise KeyError("missing")


async def ok(message: Message) -> None:
    await message.answer(f"ok {message.text}")


async def ok_query(query: CallbackQuery) -> None:
    await query.answer("ok")


# Rules the access middleware must refuse (fail closed): (filter text, flags).
BROKEN_RULES: dict[str, dict[str, object] | None] = {
    "no rule": None,
    "ghost": {"command": "ghost"},  # a catalogue command with no bot_commands row
    "bogus level": {"access": "bogus"},
    "roles as text": {"roles": "manager"},
    "empty roles": {"roles": ()},
}
# Rules that combine or name a level: (filter text, flags).
LEVEL_RULES: dict[str, dict[str, object]] = {
    "anyone": {"access": "anyone"},
    "registered": {"access": "registered"},
    "approved": {"access": "approved"},
    "admins users": {"command": "users", "roles": ("admin",)},
}


async def text(message: Message) -> None:
    await message.answer(f"text {message.text}")


COMMANDS: dict[str, Callable[..., Awaitable[None]]] = {
    "echo": echo,
    "flaky": flaky,
    "boom": boom,
    "notfound": notfound,
    "users": users,
    "settings": settings,
    "help": help_,
    "whoami": whoami,
    "me": me,
    "kb": keyboard,
}


# Commands of the catalogue take their rule from bot_commands; the test-only ones declare one.
CATALOGUED = frozenset({"users", "settings", "help"})


def create_router() -> Router:
    router = Router(name="runtime-tests")
    for name, handler in COMMANDS.items():
        router.message.register(
            handler, Command(name), flags=None if name in CATALOGUED else PUBLIC
        )
    # A reply-keyboard button sharing the /users rule through the "command" flag.
    router.message.register(users, F.text == "Пользователи", flags={"command": "users"})
    router.message.register(ok, Command("norule"))  # a Command filter, no bot_commands row
    for label, rule in {**BROKEN_RULES, **LEVEL_RULES}.items():
        router.message.register(ok, F.text == label, flags=rule)
    router.callback_query.register(ok_query, F.data.startswith("norule:"))
    router.callback_query.register(act, F.data.startswith("act:"), flags=PUBLIC)
    router.callback_query.register(bad, F.data.startswith("bad:"), flags=PUBLIC)
    router.message.register(text, F.text, flags=PUBLIC)
    return router
