"""Access tokens of the users the gateway acts for, cached in Redis and refreshed once on 401.

The gateway treats tokens as opaque (contracts.md §3): it never decodes them.  A user's pair is
kept in one hash ``<prefix>:svc:tokens:<telegram_id>`` until ``expires_in − 60 s``, so every worker
reuses it.  :meth:`TokenStore.call` runs a call with the user's token and, on ``401
invalid_token``, refreshes (or logs in again when the refresh is refused) and repeats it once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio import Redis

from shared.clients.auth import AuthClient
from shared.clients.errors import Unauthorized
from shared.clients.models.auth import Tokens
from shared.logs import get_logger

__all__ = ["TokenStore"]

T = TypeVar("T")
log = get_logger(__name__)
EXPIRY_MARGIN = 60


class TokenStore:
    def __init__(self, auth: AuthClient, redis: Redis, key_prefix: str) -> None:
        self.auth = auth
        self.redis = redis
        self.key_prefix = key_prefix

    def key(self, telegram_id: int) -> str:
        return f"{self.key_prefix}:svc:tokens:{telegram_id}"

    async def access_token(self, telegram_id: int) -> str:
        """The cached access token, or a fresh one from a login (A1)."""
        cached: bytes | None = await self.redis.hget(self.key(telegram_id), "access")  # type: ignore[misc]
        if cached:
            return cached.decode()
        response = await self.auth.login(telegram_id)
        await self._store(telegram_id, response.tokens)
        return response.tokens.access_token

    async def refresh(self, telegram_id: int) -> str:
        """A new access token: A2 with the cached refresh token, else a new login."""
        refresh: bytes | None = await self.redis.hget(self.key(telegram_id), "refresh")  # type: ignore[misc]
        if refresh:
            try:
                tokens = await self.auth.refresh(refresh.decode())
            except Unauthorized:
                log.info("token_refresh_refused", telegram_id=telegram_id)
            else:
                await self._store(telegram_id, tokens)
                return tokens.access_token
        await self.forget(telegram_id)
        response = await self.auth.login(telegram_id)
        await self._store(telegram_id, response.tokens)
        return response.tokens.access_token

    async def forget(self, telegram_id: int) -> None:
        """Drop the cached pair (after a block, a role change, a logout)."""
        await self.redis.delete(self.key(telegram_id))

    async def call(self, telegram_id: int, fn: Callable[[str], Awaitable[T]]) -> T:
        """``await fn(token)`` as this user; on ``401 invalid_token`` refresh once and repeat."""
        token = await self.access_token(telegram_id)
        try:
            return await fn(token)
        except Unauthorized as exc:
            if exc.code not in (None, "invalid_token"):
                raise
            log.info("token_rejected", telegram_id=telegram_id, op=exc.op)
        return await fn(await self.refresh(telegram_id))

    async def _store(self, telegram_id: int, tokens: Tokens) -> None:
        ttl = max(1, tokens.expires_in - EXPIRY_MARGIN)
        key = self.key(telegram_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"access": tokens.access_token, "refresh": tokens.refresh_token})
            pipe.expire(key, ttl)
            await pipe.execute()
