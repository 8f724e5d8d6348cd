"""auth-service client (docs/contracts.md §3): login by Telegram id, refresh, me, permission check.

Login and refresh are never repeated after a timeout: a refresh revokes the old refresh token, so a
repeat of a refresh that did land would fail anyway.  Use :class:`~shared.clients.tokens.TokenStore`
rather than these calls directly: it caches tokens and refreshes once on ``invalid_token``.
"""

from __future__ import annotations

from typing import Any

from shared.clients.base import ServiceClient
from shared.clients.models.auth import AuthResponse, Me, PermissionCheck, Tokens

__all__ = ["AuthClient"]


class AuthClient(ServiceClient):
    service = "auth"

    async def login(
        self, telegram_id: int, device_info: dict[str, Any] | None = None
    ) -> AuthResponse:
        """A1.  Raises ``Unauthorized`` with code ``user_not_found`` or ``user_inactive``."""
        return await self._call(
            "auth.login",
            "POST",
            "/auth/login",
            result=AuthResponse,
            body={"telegram_id": telegram_id, "device_info": device_info},
        )

    async def refresh(self, refresh_token: str) -> Tokens:
        """A2: a new pair; the old refresh token is revoked.  ``Unauthorized`` ``invalid_token``."""
        return await self._call(
            "auth.refresh",
            "POST",
            "/auth/refresh",
            result=Tokens,
            body={"refresh_token": refresh_token},
        )

    async def me(self, token: str) -> Me:
        """A3, on behalf of the token's user."""
        return await self._call("auth.me", "GET", "/auth/me", result=Me, token=token)

    async def check_permission(
        self,
        user_id: int,
        telegram_id: int,
        permission_key: str,
        resource_id: str | None = None,
    ) -> PermissionCheck:
        """A4 (a read, so it may be repeated although it is a POST)."""
        return await self._call(
            "auth.check_permission",
            "POST",
            "/permissions/check",
            result=PermissionCheck,
            body={
                "user_id": user_id,
                "telegram_id": telegram_id,
                "permission_key": permission_key,
                "resource_id": resource_id,
            },
            safe=True,
        )
