"""Who is writing, as handlers see it: ``auth: AuthContext`` (filled by
:class:`workers.bot.middlewares.auth.AuthMiddleware`) and the Redis cache of profiles behind it.

- ``auth.user`` is the profile (``shared.clients.models.users.User``) or ``None`` for someone the
  user service does not know; ``auth.status`` is ``unregistered``, ``pending``, ``approved`` or
  ``blocked``.
- ``await auth.call(fn)`` runs ``fn(token)`` with the user's access token (A1), refreshed once on
  a 401; a flow that changes the profile calls ``await auth.reload()``.
- ``auth.unread``: the profile was deliberately not read (maintenance: see
  :class:`workers.bot.middlewares.auth.AuthMiddleware`); ``auth.user`` is then ``None``.

The cache also keeps the **staff roster**: the Telegram ids of approved managers and admins,
updated by every profile read and rebuilt from U5 when an admin turns maintenance on. During
maintenance it is how the gateway tells, without asking the user service, whose profile is worth
reading: staff keep working, everyone else gets the maintenance notice. Until a full listing built
it (maintenance switched on by other means, or U5 failing at the confirmation) it cannot tell who
is *not* staff, and profiles are read as before: locking an admin out would be worse.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Literal, TypeVar

import msgspec
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from shared.clients import ServiceNotFound, TokenStore, UserClient
from shared.clients.models.users import User as Profile

__all__ = ["AuthContext", "ProfileCache", "UserState", "is_staff"]

T = TypeVar("T")
UserState = Literal["unregistered", "pending", "approved", "blocked"]

_MISSING = b"-"  # cached "the user service does not know this Telegram user"
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(Profile).decode


def is_staff(profile: Profile | None) -> bool:
    """An approved, active manager or admin (whatever role is active now)."""
    return (
        profile is not None
        and profile.status == "approved"
        and profile.is_active
        and profile.is_staff
    )


class ProfileCache:
    def __init__(self, users: UserClient, redis: Redis, *, key_prefix: str, ttl: int) -> None:
        self._users = users
        self._redis = redis
        self._prefix = f"{key_prefix}:profile"
        self.staff_key = f"{key_prefix}:staff"
        self.staff_listed_key = f"{key_prefix}:staff:listed"
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

    async def cached(self, telegram_id: int) -> bytes | None:
        """The cache entry as stored (``None``: a miss); :meth:`finish_get` interprets it."""
        value: bytes | None = await self._redis.get(self.key(telegram_id))
        return value

    async def reload(self, telegram_id: int) -> Profile | None:
        try:
            profile: Profile | None = await self._users.get_by_telegram(telegram_id)
        except ServiceNotFound:
            profile = None
        payload = _MISSING if profile is None else _encode(profile)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(self.key(telegram_id), payload, ex=self._ttl)
            if is_staff(profile):
                pipe.sadd(self.staff_key, telegram_id)
            else:
                pipe.srem(self.staff_key, telegram_id)
            await pipe.execute()
        return profile

    async def may_be_staff(self, telegram_id: int) -> bool:
        """Whether ``telegram_id`` may be staff, by the roster alone (Redis, no service call).

        Until a full U5 listing built the roster (:meth:`set_staff`) it holds only the staff who
        were read lately, so it cannot say "not staff": everyone may be, and is read as before.
        An admin must never be locked out of turning maintenance off."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.sismember(self.staff_key, str(telegram_id))
            pipe.exists(self.staff_listed_key)
            member, listed = await pipe.execute()
        return bool(member) or not listed

    async def set_staff(self, telegram_ids: Iterable[int]) -> None:
        """Replace the roster with a full U5 listing (it can then tell who is not staff)."""
        ids = [str(i) for i in telegram_ids]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.staff_key)
            if ids:
                pipe.sadd(self.staff_key, *ids)
            pipe.set(self.staff_listed_key, b"1")
            await pipe.execute()

    async def forget(self, telegram_id: int) -> None:
        await self._redis.delete(self.key(telegram_id))


@dataclass(slots=True)
class AuthContext:
    telegram_id: int
    user: Profile | None
    _profiles: ProfileCache
    _tokens: TokenStore
    unread: bool = False

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

    async def set_staff_roster(self, telegram_ids: Iterable[int]) -> None:
        """Replace the staff roster (an admin turning maintenance on, from U5)."""
        await self._profiles.set_staff(telegram_ids)

    async def forget_other(self, telegram_id: int) -> None:
        """Drop someone else's cached profile after changing it (a manager blocking a user,
        changing roles): their next update reads it afresh instead of within the cache TTL."""
        await self._profiles.forget(telegram_id)
