"""Who is writing, as handlers see it: ``auth: AuthContext`` (filled by
:class:`workers.bot.middlewares.auth.AuthMiddleware`) and the Redis cache of profiles behind it.

- ``auth.user`` is the profile (``shared.clients.models.users.User``) or ``None`` for someone the
  user service does not know; ``auth.status`` is ``unregistered``, ``pending``, ``approved`` or
  ``blocked``.
- ``await auth.call(fn)`` runs ``fn(token)`` with the user's access token (A1), refreshed once on
  a 401; a flow that changes the profile calls ``await auth.reload()``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

import msgspec
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from shared.clients import ServiceNotFound, TokenStore, UserClient
from shared.clients.models.users import User as Profile

__all__ = ["AuthContext", "ProfileCache", "UserState"]

T = TypeVar("T")
UserState = Literal["unregistered", "pending", "approved", "blocked"]

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
