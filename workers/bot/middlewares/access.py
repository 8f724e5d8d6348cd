"""Access control: may this user run the command this handler serves?

An inner middleware (it runs once the dispatcher has chosen a handler), so a reply-keyboard
button can share its command's rule: the command is the handler's ``command`` flag
(``@router.message(F.text == …, flags={"command": "my_requests"})``), else the one the
``Command`` filter matched, else a ``/command`` at the start of the text.

The rule comes from ``bot_commands`` (:class:`~workers.bot.core.catalog.CommandCatalog`):
``access`` (anyone / registered / approved) against the user's status, then ``required_roles``
against the active role. Refusals are short localized texts, never silence; a refused callback
query is answered with an alert. Blocked users are refused everything except commands open to
anyone (/start, /help, /language, /cancel), which handle that state themselves. Updates with no
command pass: the handlers of multi-step flows check their own state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.flags import get_flag
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import I18n

from shared.logs import get_logger
from workers.bot.core.access import refusal
from workers.bot.core.auth import AuthContext
from workers.bot.core.catalog import CommandCatalog
from workers.bot.core.context import UpdateContext
from workers.bot.telegram.commands import CommandMenus

__all__ = ["AccessMiddleware", "command_of"]

log = get_logger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def command_of(event: TelegramObject, data: dict[str, Any]) -> str | None:
    flagged = get_flag(data, "command")
    if isinstance(flagged, str):
        return flagged
    matched = data.get("command")
    if isinstance(matched, CommandObject):
        return matched.command.lower()
    if isinstance(event, Message) and event.text and event.text.startswith("/"):
        name = event.text[1:].split(maxsplit=1)[0].split("@", 1)[0] if len(event.text) > 1 else ""
        return name.lower() or None
    return None


class AccessMiddleware(BaseMiddleware):
    def __init__(self, catalog: CommandCatalog, menus: CommandMenus, i18n: I18n) -> None:
        self.catalog = catalog
        self.menus = menus
        self.i18n = i18n

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        ctx: UpdateContext = data["update_context"]
        auth: AuthContext | None = data.get("auth")
        command = command_of(event, data)
        spec = await self.catalog.lookup(command) if command else None
        if spec is not None:
            ctx.command = spec.command
        text = refusal(spec, auth)
        if text is not None:
            ctx.outcome = "refused"
            log.debug("access_refused", command=command, status=auth.status if auth else None)
            await self._refuse(event, data, self.i18n.gettext(text, locale=ctx.locale))
            return None
        if auth is not None and auth.status == "approved" and ctx.chat_type == "private":
            await self._sync_menu(data, ctx, auth)
        return await handler(event, data)

    async def _refuse(self, event: TelegramObject, data: dict[str, Any], text: str) -> None:
        bot: Bot = data["bot"]
        if isinstance(event, CallbackQuery):
            await bot.answer_callback_query(event.id, text=text, show_alert=True)
        elif isinstance(event, Message):
            await bot.send_message(event.chat.id, text)

    async def _sync_menu(self, data: dict[str, Any], ctx: UpdateContext, auth: AuthContext) -> None:
        assert ctx.chat_id is not None
        try:
            await self.menus.ensure_chat(data["bot"], ctx.chat_id, auth.active_role, ctx.locale)
        except Exception:
            # The menu is a convenience: a failure to set it must not fail the user's update.
            log.warning("chat_command_menu_failed", exc_info=True)
