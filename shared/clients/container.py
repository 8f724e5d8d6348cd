"""All service clients of one process, built once at start-up and closed at shutdown."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from shared.clients.analytics import AnalyticsClient
from shared.clients.auth import AuthClient
from shared.clients.breaker import BreakerBoard
from shared.clients.requests import RequestClient
from shared.clients.shifts import ShiftClient
from shared.clients.tokens import TokenStore, token_cipher
from shared.clients.users import UserClient
from shared.settings import Settings

__all__ = ["SERVICES", "ServiceClients"]

SERVICES = ("auth", "user", "request", "shift", "analytics")


@dataclass(frozen=True, slots=True)
class ServiceClients:
    auth: AuthClient
    users: UserClient
    requests: RequestClient
    shifts: ShiftClient
    analytics: AnalyticsClient
    tokens: TokenStore
    breakers: BreakerBoard

    @classmethod
    def create(cls, settings: Settings, redis: Redis) -> ServiceClients:
        """Clients sharing one breaker board (state in ``redis``); no I/O happens here."""
        breakers = BreakerBoard(
            redis,
            settings.redis.key_prefix,
            settings.http.breaker_threshold,
            settings.http.breaker_ttl,
        )
        auth = AuthClient.from_settings(settings, breakers)
        return cls(
            auth=auth,
            users=UserClient.from_settings(settings, breakers),
            requests=RequestClient.from_settings(settings, breakers),
            shifts=ShiftClient.from_settings(settings, breakers),
            analytics=AnalyticsClient.from_settings(settings, breakers),
            tokens=TokenStore(auth, redis, settings.redis.key_prefix, token_cipher(settings)),
            breakers=breakers,
        )

    async def aclose(self) -> None:
        """Close every connection pool (the Redis client belongs to the caller)."""
        for client in (self.auth, self.users, self.requests, self.shifts, self.analytics):
            await client.aclose()

    async def breaker_states(self) -> dict[str, str]:
        """Shared breaker state per service; also refreshes the breaker gauge."""
        return await self.breakers.states(SERVICES)
