"""Who is writing: the user's profile and roles (user service) and their token (auth service).

Handlers receive ``auth: AuthContext``:

- ``auth.user`` is the profile (``shared.clients.models.users.User``) or ``None`` for someone the
  user service does not know; ``auth.status`` is ``unregistered``, ``pending``, ``approved`` or
  ``blocked``. Nobody is turned away here: unregistered and blocked users reach the access check,
  which sends them down the onboarding or "access blocked" path.
- Profiles are cached in Redis for ``WORKER_PROFILE_CACHE_SECONDS`` (misses too), shared by all
  workers; a flow that changes the profile calls ``await auth.reload()``.
- ``await auth.call(fn)`` runs ``fn(token)`` with the user's access token from ``login`` (A1),
  cached in Redis until shortly before it expires and refreshed once on a 401
  (:class:`shared.clients.TokenStore`). The token is fetched only when a handler needs it.

**Maintenance**: while ``maintenance_mode`` is on, an update the maintenance gate answers (a
private message, a button press) from someone whose profile is not cached and who is not on the
staff roster (:class:`~workers.bot.core.auth.ProfileCache`) is not looked up at all: no user
service call, no token; ``auth.user`` is ``None`` and ``auth.unread`` tells the gate to answer.
Staff — cached, or on the roster — are read as usual and keep working.

A profile carrying a language the user chose (U4) becomes the saved locale of a session that has
none yet, so the user's choice follows them to a new chat or after the session expired. For
someone without a profile, an expired session's choice is read back from ``bot_sessions`` here
(only then: a registered user's first update costs no database read).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, Update, User
from aiogram.utils.i18n import I18n

from shared.clients import TokenStore
from workers.bot.core.auth import AuthContext, ProfileCache
from workers.bot.core.context import UpdateContext
from workers.bot.core.gateway_settings import store_from
from workers.bot.locales import LOCALES
from workers.bot.sessions import SessionStore

__all__ = ["AuthMiddleware"]

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class AuthMiddleware(BaseMiddleware):
    def __init__(
        self, profiles: ProfileCache, tokens: TokenStore, sessions: SessionStore, i18n: I18n
    ) -> None:
        self.profiles = profiles
        self.tokens = tokens
        self.sessions = sessions
        self.i18n = i18n

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        await self.authenticate(event, data)
        return await handler(event, data)

    async def authenticate(self, event: TelegramObject, data: dict[str, Any]) -> None:
        """Put ``data["auth"]`` (and the saved locale) in place for the rest of the update."""
        sender: User | None = data.get("event_from_user")
        if sender is None or sender.is_bot:
            return
        prefetched = data.get("prefetched")
        if prefetched is not None and prefetched.profile_read:
            cached = prefetched.profile
        else:
            cached = await self.profiles.cached(sender.id)
        if cached is None and await self._maintenance_quiet(event, data, sender.id):
            data["auth"] = AuthContext(sender.id, None, self.profiles, self.tokens, unread=True)
            return
        profile = await self.profiles.finish_get(sender.id, cached)
        data["auth"] = AuthContext(sender.id, profile, self.profiles, self.tokens)
        ctx: UpdateContext = data["update_context"]
        chat: Chat | None = data.get("event_chat")
        chat_id = chat.id if chat is not None else sender.id
        if profile is not None and profile.language_code in LOCALES:
            if not ctx.locale_saved:
                await self.sessions.set_language(chat_id, sender.id, profile.language_code)
                self._switch(data, ctx, profile.language_code)
        elif not ctx.session_known:
            # No profile to say it: the session's durable copy is the only saved choice.
            saved = await self.sessions.load_language(chat_id, sender.id)
            if saved in LOCALES:
                self._switch(data, ctx, saved)

    async def _maintenance_quiet(
        self, event: TelegramObject, data: dict[str, Any], telegram_id: int
    ) -> bool:
        """Whether to leave this sender's profile unread: maintenance is on, the gate answers
        this update, and the sender is not on the staff roster."""
        assert isinstance(event, Update)  # an outer middleware of the update observer
        gated = event.callback_query is not None or (
            event.message is not None and event.message.chat.type == "private"
        )
        if not gated or not (await store_from(data).get()).maintenance_mode:
            return False
        return not await self.profiles.may_be_staff(telegram_id)

    def _switch(self, data: dict[str, Any], ctx: UpdateContext, language: str) -> None:
        ctx.locale, ctx.locale_saved = language, True
        data["locale"] = language
        self.i18n.current_locale = language
