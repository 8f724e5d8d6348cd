"""Access tokens of the users the gateway acts for, cached in Redis and refreshed once on 401.

The gateway treats tokens as opaque (docs/contracts.md §3): it never decodes them.  A user's pair is
kept in one hash ``<prefix>:svc:tokens:<telegram_id>`` until ``expires_in − 60 s``, so every worker
reuses it.  :meth:`TokenStore.call` runs a call with the user's token and, on ``401
invalid_token``, refreshes (or logs in again when the refresh is refused) and repeats it once.

Both tokens are encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256, from ``cryptography``)
with ``TOKEN_ENCRYPTION_KEY``, or a key derived from ``SERVICE_API_KEY`` when that is unset: a
copy of Redis (a dump, a replica, a leaked backup) holds no usable token.  A value that does not
decrypt (another key, a value written before encryption) is a cache miss: the user logs in again.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from typing import TypeVar

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from redis.asyncio import Redis

from shared.clients.auth import AuthClient
from shared.clients.errors import Unauthorized
from shared.clients.models.auth import Tokens
from shared.logs import get_logger
from shared.settings import Settings

__all__ = ["TokenCipher", "TokenStore", "token_cipher"]

T = TypeVar("T")
log = get_logger(__name__)
EXPIRY_MARGIN = 60
_DERIVATION_INFO = b"bot-gateway token cache v1"


class TokenCipher:
    """Encrypts cached tokens; the first key encrypts, every key decrypts (rotation)."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("at least one key")
        self._fernet = MultiFernet([Fernet(k) for k in keys])

    @classmethod
    def derived(cls, secret: str) -> TokenCipher:
        """A key derived from another secret (HKDF-SHA256), for when none is configured."""
        raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_INFO).derive(
            secret.encode()
        )
        return cls([base64.urlsafe_b64encode(raw)])

    def encrypt(self, value: str) -> bytes:
        return self._fernet.encrypt(value.encode())

    def decrypt(self, value: bytes) -> str | None:
        """The plain value, or ``None`` when it was not written with one of our keys."""
        try:
            return self._fernet.decrypt(value).decode()
        except (InvalidToken, UnicodeDecodeError):
            return None


def token_cipher(settings: Settings) -> TokenCipher:
    keys = settings.services.token_keys()
    if keys:
        return TokenCipher(keys)
    return TokenCipher.derived(settings.services.service_api_key.get_secret_value())


class TokenStore:
    def __init__(
        self, auth: AuthClient, redis: Redis, key_prefix: str, cipher: TokenCipher
    ) -> None:
        self.auth = auth
        self.redis = redis
        self.key_prefix = key_prefix
        self.cipher = cipher

    def key(self, telegram_id: int) -> str:
        return f"{self.key_prefix}:svc:tokens:{telegram_id}"

    async def access_token(self, telegram_id: int) -> str:
        """The cached access token, or a fresh one from a login (A1)."""
        cached: bytes | None = await self.redis.hget(self.key(telegram_id), "access")  # type: ignore[misc]
        token = self.cipher.decrypt(cached) if cached else None
        if token:
            return token
        response = await self.auth.login(telegram_id)
        await self._store(telegram_id, response.tokens)
        return response.tokens.access_token

    async def refresh(self, telegram_id: int) -> str:
        """A new access token: A2 with the cached refresh token, else a new login."""
        stored: bytes | None = await self.redis.hget(self.key(telegram_id), "refresh")  # type: ignore[misc]
        refresh = self.cipher.decrypt(stored) if stored else None
        if refresh:
            try:
                tokens = await self.auth.refresh(refresh)
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
            pipe.hset(
                key,
                mapping={
                    "access": self.cipher.encrypt(tokens.access_token),
                    "refresh": self.cipher.encrypt(tokens.refresh_token),
                },
            )
            pipe.expire(key, ttl)
            await pipe.execute()
