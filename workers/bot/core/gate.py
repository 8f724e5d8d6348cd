"""Who may press a button that has no catalogue command: the ``roles`` flag of its handler.

Buttons and callbacks of the staff features (active requests, group pool, start/end shift, the
manager's request lists, the card actions) are no command of ``bot_commands``, so the access
middleware lets them pass. Their handlers carry ``flags={"roles": ("executor",)}`` instead, and
this inner middleware (installed on the staff routers) applies the same rule as a command that
needs an approved user with one of those active roles: the same refusal texts, a refused
callback answered once with an alert. Handlers without the flag pass untouched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Router
from aiogram.dispatcher.flags import get_flag
from aiogram.types import CallbackQuery, Message, TelegramObject

from workers.bot.core.access import refusal
from workers.bot.core.auth import AuthContext
from workers.bot.core.catalog import CommandSpec
from workers.bot.core.context import UpdateContext
from workers.bot.core.ui.i18n import tr

__all__ = ["EXECUTOR", "STAFF", "RoleGate", "install_gate"]

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

EXECUTOR: tuple[str, ...] = ("executor",)
STAFF: tuple[str, ...] = ("manager", "admin")


def _spec(roles: tuple[str, ...]) -> CommandSpec:
    return CommandSpec(
        command="",
        access="approved",
        required_roles=roles,
        description_ru="",
        description_uz="",
        is_enabled=True,
        sort_order=0,
    )


class RoleGate(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        roles = get_flag(data, "roles")
        if not roles:
            return await handler(event, data)
        auth: AuthContext | None = data.get("auth")
        text = refusal(_spec(tuple(roles)), auth)
        if text is None:
            return await handler(event, data)
        ctx: UpdateContext = data["update_context"]
        ctx.outcome = "refused"
        message = tr(text, ctx.locale)
        bot: Bot = data["bot"]
        if isinstance(event, CallbackQuery):
            await bot.answer_callback_query(event.id, text=message, show_alert=True)
        elif isinstance(event, Message):
            await bot.send_message(event.chat.id, message)
        return None


def install_gate(router: Router) -> None:
    gate = RoleGate()
    router.message.middleware(gate)
    router.callback_query.middleware(gate)
