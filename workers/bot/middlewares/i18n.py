"""Locale per update: the user's saved choice → Telegram's ``language_code`` → the default.

The saved choice lives in the session (Redis hash, durable in ``bot_sessions.language``); reading
it also records the user's activity (:meth:`SessionStore.touch`), so the session costs one Redis
round trip per update. ``language_code`` ``uz`` (or ``uz-…``) means Uzbek and any other code
Russian; without one, the admin's ``default_language`` setting decides (Russian when unset).

Handlers translate with aiogram's ``gettext`` (``from aiogram.utils.i18n import gettext as _``)
inside the context this middleware opens. :func:`set_locale` is what the /language flow calls to
save a new choice and switch the rest of the update to it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, User
from aiogram.utils.i18n import I18n

from workers.bot.core.context import UpdateContext
from workers.bot.locales import DEFAULT_LOCALE, LOCALES
from workers.bot.sessions import SessionProfile, SessionStore

__all__ = ["I18nMiddleware", "LocaleResolver", "locale_from_language_code", "set_locale"]

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def locale_from_language_code(language_code: str | None, default: str = DEFAULT_LOCALE) -> str:
    """``uz`` (or ``uz-…``) → Uzbek, any other code → Russian, no code → ``default``."""
    if not language_code:
        return default
    if language_code.lower().replace("_", "-").split("-")[0] == "uz":
        return "uz"
    return DEFAULT_LOCALE


class LocaleResolver:
    def __init__(
        self,
        sessions: SessionStore,
        default_locale: Callable[[], Awaitable[str]] | None = None,
    ) -> None:
        self.sessions = sessions
        # The admin's default_language setting (cached in the process by its store).
        self._default_locale = default_locale

    async def _default(self) -> str:
        if self._default_locale is None:
            return DEFAULT_LOCALE
        value = await self._default_locale()
        return value if value in LOCALES else DEFAULT_LOCALE

    async def resolve(
        self,
        user: User | None,
        chat: Chat | None,
        *,
        touch: bool = True,
        prefetched: list[Any] | None = None,
    ) -> tuple[str, bool, bool]:
        """``(locale, saved, known)``: ``saved`` when it is the user's own choice; ``known`` is
        False when the session cache missed and the durable copy is still to be read (the auth
        step reads it for users without a profile).

        ``touch`` also records the activity; ``prefetched`` are the touch's pipeline results
        when :mod:`workers.bot.runtime.prefetch` already sent it.
        """
        if user is None:
            return await self._default(), False, True
        chat_id = chat.id if chat is not None else user.id
        known = True
        if touch:
            profile = SessionProfile(user.username, user.first_name, user.last_name)
            if prefetched is not None:
                saved, known = await self.sessions.finish_touch(
                    chat_id, user.id, profile, prefetched
                )
            else:
                saved, known = await self.sessions.touch(chat_id, user.id, profile)
        else:
            saved = await self.sessions.language(chat_id, user.id)
        if saved in LOCALES:
            return saved, True, True
        code = user.language_code
        default = DEFAULT_LOCALE if code else await self._default()
        return locale_from_language_code(code, default), False, known


class I18nMiddleware(BaseMiddleware):
    def __init__(self, i18n: I18n, resolver: LocaleResolver) -> None:
        self.i18n = i18n
        self.resolver = resolver

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        locale = await self.resolve(data)
        with self.i18n.context(), self.i18n.use_locale(locale):
            return await handler(event, data)

    async def resolve(self, data: dict[str, Any]) -> str:
        """The update's locale, in its context and ``data``; the caller opens the i18n context
        (``with i18n.context(), i18n.use_locale(locale)``) around the rest of the update."""
        ctx: UpdateContext = data["update_context"]
        prefetched = data.get("prefetched")
        ctx.locale, ctx.locale_saved, ctx.session_known = await self.resolver.resolve(
            data.get("event_from_user"),
            data.get("event_chat"),
            prefetched=prefetched.session if prefetched is not None else None,
        )
        data["i18n"] = self.i18n
        data["locale"] = ctx.locale
        return ctx.locale


async def set_locale(data: dict[str, Any], locale: str) -> None:
    """Save ``locale`` as the user's choice and use it for the rest of this update."""
    if locale not in LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    ctx: UpdateContext = data["update_context"]
    sessions: SessionStore = data["sessions"]
    user: User | None = data.get("event_from_user")
    chat: Chat | None = data.get("event_chat")
    if user is not None:
        await sessions.set_language(chat.id if chat else user.id, user.id, locale)
    ctx.locale, ctx.locale_saved = locale, True
    data["locale"] = locale
    i18n: I18n = data["i18n"]
    i18n.current_locale = locale
