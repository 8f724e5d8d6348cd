"""Access control, fail closed: every handler says who may reach it, and this middleware checks it.

An inner middleware of the message and callback-query observers, the only update types the bot
dispatches (it runs once the dispatcher has chosen a handler, and first names that handler for
the logs and metrics, as :class:`~workers.bot.middlewares.logging.HandlerNameMiddleware` does on
the other observers). The rule is declared where the
handler is registered, in its flags (:mod:`workers.bot.core.gate` spells them):

- ``{"command": name}`` — the row of ``bot_commands`` (:class:`~workers.bot.core.catalog.
  CommandCatalog`): ``access`` (anyone / registered / approved), ``required_roles``, ``is_enabled``.
  A reply-keyboard button shares its command's row this way.
- ``{"roles": (...)}`` — an approved user whose active role is one of these.
- ``{"access": level}`` — ``anyone`` (blocked users included: /start, /help, the maintenance
  notice), ``public`` (anyone not blocked: onboarding steps, the fallback), ``registered`` or
  ``approved``.

Declared rules combine: each must allow. A handler without one is reached only through a matched
``Command`` filter, whose catalogue row is the rule. Anything else — no rule at all, a command with
no ``bot_commands`` row, an unknown level — is refused and logged as ``access_rule_missing``.

Refusals are short localized texts, never silence; a refused callback query is answered with an
alert. A blocked user's notice names the support contact (the admin's setting) and, as a message,
removes the reply keyboard: a menu left on their screen would only draw more refusals.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.dispatcher.flags import get_flag
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove, TelegramObject
from aiogram.utils.i18n import I18n

from shared.logs import get_logger
from workers.bot.core.access import LEVELS, level_spec, refusal, role_spec
from workers.bot.core.auth import AuthContext
from workers.bot.core.catalog import CommandCatalog, CommandSpec
from workers.bot.core.context import UpdateContext
from workers.bot.core.texts import ACCESS_BLOCKED, COMMAND_DISABLED
from workers.bot.core.ui.answers import answer_query
from workers.bot.core.ui.errors import blocked_notice
from workers.bot.core.ui.html import truncate
from workers.bot.middlewares.logging import record_handler
from workers.bot.telegram.commands import CommandMenus

__all__ = ["AccessMiddleware"]

log = get_logger(__name__)
ALERT_LIMIT = 200  # answerCallbackQuery's text limit
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class AccessMiddleware(BaseMiddleware):
    def __init__(self, catalog: CommandCatalog, menus: CommandMenus, i18n: I18n) -> None:
        self.catalog = catalog
        self.menus = menus
        self.i18n = i18n

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        # HandlerNameMiddleware's step, here instead of a layer of its own on these observers.
        record_handler(data)
        ctx: UpdateContext = data["update_context"]
        auth: AuthContext | None = data.get("auth")
        specs = await self._rules(data, ctx)
        if specs is None:
            text: str | None = COMMAND_DISABLED
        else:
            text = next((t for t in (refusal(s, auth) for s in specs) if t is not None), None)
        if text is not None:
            ctx.outcome = "refused"
            log.debug("access_refused", command=ctx.command, status=auth.status if auth else None)
            if text == ACCESS_BLOCKED:
                store = data.get("gateway_settings")
                notice = await blocked_notice(store, ctx.locale)
                alert = await blocked_notice(store, ctx.locale, html=False)
                await self._refuse(event, data, notice, alert, ReplyKeyboardRemove())
            else:
                refused = self.i18n.gettext(text, locale=ctx.locale)
                await self._refuse(event, data, refused, refused)
            return None
        if auth is not None and auth.status == "approved" and ctx.chat_type == "private":
            await self._sync_menu(data, ctx, auth)
        return await handler(event, data)

    async def _rules(self, data: dict[str, Any], ctx: UpdateContext) -> list[CommandSpec] | None:
        """The handler's rules, or ``None`` when it has none that can be applied (fail closed)."""
        specs: list[CommandSpec] = []
        flagged = get_flag(data, "command")
        roles = get_flag(data, "roles")
        access = get_flag(data, "access")
        command: str | None = None
        if flagged is not None:
            command = flagged if isinstance(flagged, str) else ""
        elif roles is None and access is None:
            matched = data.get("command")
            if isinstance(matched, CommandObject):
                command = matched.command.lower()
        if command is not None:
            spec = await self.catalog.lookup(command) if command else None
            if spec is None:
                return self._missing(data, ctx, f"command {command!r} has no bot_commands row")
            ctx.command = spec.command
            specs.append(spec)
        if roles is not None:
            if isinstance(roles, str) or not roles:
                return self._missing(data, ctx, "roles flag is not a tuple of roles")
            specs.append(role_spec(roles))
        if access is not None:
            if access not in LEVELS:
                return self._missing(data, ctx, f"unknown access level {access!r}")
            specs.append(level_spec(access))
        if not specs:
            return self._missing(data, ctx, "the handler declares no access rule")
        return specs

    def _missing(
        self, data: dict[str, Any], ctx: UpdateContext, why: str
    ) -> list[CommandSpec] | None:
        """Log a handler that cannot be checked; ``None``: refuse it."""
        handler = data.get("handler")
        callback = getattr(handler, "callback", None)
        log.error(
            "access_rule_missing",
            why=why,
            handler=getattr(callback, "__qualname__", None),
            module=getattr(callback, "__module__", None),
            update_type=ctx.update_type,
        )
        return None

    async def _refuse(
        self,
        event: TelegramObject,
        data: dict[str, Any],
        text: str,
        alert: str,
        markup: ReplyKeyboardRemove | None = None,
    ) -> None:
        """``text`` (HTML) as a message, ``alert`` (plain) as a callback query's answer."""
        bot: Bot = data["bot"]
        if isinstance(event, CallbackQuery):
            await answer_query(event, truncate(alert, ALERT_LIMIT), show_alert=True)
        else:
            # Installed on the message and callback-query observers only (middlewares.install).
            assert isinstance(event, Message)
            await bot.send_message(event.chat.id, text, reply_markup=markup)

    async def _sync_menu(self, data: dict[str, Any], ctx: UpdateContext, auth: AuthContext) -> None:
        assert ctx.chat_id is not None
        try:
            await self.menus.ensure_chat(data["bot"], ctx.chat_id, auth.active_role, ctx.locale)
        except Exception:
            # The menu is a convenience: a failure to set it must not fail the user's update.
            log.warning("chat_command_menu_failed", exc_info=True)
