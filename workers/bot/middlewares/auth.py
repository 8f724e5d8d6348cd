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

A profile carrying a language the user chose (U4) becomes the saved locale of a session that has
none yet, so the user's choice follows them to a new chat or after the session expired. For
someone without a profile, an expired session's choice is read back from ``bot_sessions`` here
(only then: a registered user's first update costs no database read).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import msgspec
from aiogram import BaseMiddleware
from aiogram.types import Chat, TelegramObject, User
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from shared.clients import ServiceNotFound, TokenStore, UserClient
from shared.clients.models.users import User as Profile
from workers.bot.core.context import UpdateContext
from workers.bot.locales import LOCALES
from workers.bot.sessions import SessionStore

__all__ = ["AuthContext", "AuthMiddleware", "ProfileCache", "UserState"]

T = TypeVar("T")
UserState = Literal["unregistered", "pending", "approved", "blocked"]
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

_MISSING = b"-"  # cached "the user service does not know this Telegram user"
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(Profile).decode


class ProfileCache:
    def __init__(self, users: UserClient, redis: Redis, *, key_prefix: str, ttl: int) -> None:
        self._users = users
        self._redis = redis
        self._prefix = f"{key_prefix}:profile"
        self._ttl = ttl

    def key(self, telegram_id: int) -> str:
        return f"{self._prefix}:{telegram_id}"

    def queue_get(self, pipe: Pipeline, telegram_id: int) -> None:
        """Add the cache read to ``pipe``; its result goes to :meth:`finish_get`."""
        pipe.get(self.key(telegram_id))

    async def finish_get(self, telegram_id: int, cached: bytes | None) -> Profile | None:
        if cached is not None:
            return None if cached == _MISSING else _decode(cached)
        return await self.reload(telegram_id)

    async def get(self, telegram_id: int) -> Profile | None:
        return await self.finish_get(telegram_id, await self._redis.get(self.key(telegram_id)))

    async def reload(self, telegram_id: int) -> Profile | None:
        try:
            profile: Profile | None = await self._users.get_by_telegram(telegram_id)
        except ServiceNotFound:
            profile = None
        payload = _MISSING if profile is None else _encode(profile)
        await self._redis.set(self.key(telegram_id), payload, ex=self._ttl)
        return profile

    async def forget(self, telegram_id: int) -> None:
        await self._redis.delete(self.key(telegram_id))


@dataclass(slots=True)
class AuthContext:
    telegram_id: int
    user: Profile | None
    _profiles: ProfileCache
    _tokens: TokenStore

    @property
    def status(self) -> UserState:
        if self.user is None:
            return "unregistered"
        if self.user.status == "blocked" or not self.user.is_active:
            return "blocked"
        return self.user.status

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(self.user.roles) if self.user else ()

    @property
    def active_role(self) -> str | None:
        if self.user is None:
            return None
        return self.user.active_role or (self.user.roles[0] if self.user.roles else None)

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    async def token(self) -> str:
        return await self._tokens.access_token(self.telegram_id)

    async def call(self, fn: Callable[[str], Awaitable[T]]) -> T:
        """``await fn(token)`` as this user; a 401 ``invalid_token`` refreshes once and repeats."""
        return await self._tokens.call(self.telegram_id, fn)

    async def reload(self) -> Profile | None:
        """Read the profile again (after registering, a role switch, a language change)."""
        self.user = await self._profiles.reload(self.telegram_id)
        return self.user

    async def forget_other(self, telegram_id: int) -> None:
        """Drop someone else's cached profile after changing it (a manager blocking a user,
        changing roles): their next update reads it afresh instead of within the cache TTL."""
        await self._profiles.forget(telegram_id)


class AuthMiddleware(BaseMiddleware):
    def __init__(
        self, profiles: ProfileCache, tokens: TokenStore, sessions: SessionStore, i18n: I18n
    ) -> None:
        self.profiles = profiles
        self.tokens = tokens
        self.sessions = sessions
        self.i18n = i18n

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        sender: User | None = data.get("event_from_user")
        if sender is None or sender.is_bot:
            return await handler(event, data)
        prefetched = data.get("prefetched")
        if prefetched is not None and prefetched.profile_read:
            profile = await self.profiles.finish_get(sender.id, prefetched.profile)
        else:
            profile = await self.profiles.get(sender.id)
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
        return await handler(event, data)

    def _switch(self, data: dict[str, Any], ctx: UpdateContext, language: str) -> None:
        ctx.locale, ctx.locale_saved = language, True
        data["locale"] = language
        self.i18n.current_locale = language
