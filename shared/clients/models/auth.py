"""auth-service answers (docs/contracts.md §3)."""

from __future__ import annotations

from datetime import datetime

import msgspec

__all__ = ["AuthResponse", "Me", "PermissionCheck", "Tokens"]


class Tokens(msgspec.Struct, frozen=True):
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105 - the scheme's name, not a secret
    session_id: str | None = None

    def __repr__(self) -> str:
        # Tokens are credentials: a stray log of this object must not print them.
        return f"Tokens(token_type={self.token_type!r}, expires_in={self.expires_in}, ...)"

    __str__ = __repr__


class AuthResponse(msgspec.Struct, frozen=True):
    user_id: int
    tokens: Tokens
    success: bool = True
    message: str | None = None


class Me(msgspec.Struct, frozen=True):
    user_id: int
    telegram_id: int
    roles: list[str]
    session_id: str | None = None
    session_expires_at: datetime | None = None


class PermissionCheck(msgspec.Struct, frozen=True):
    has_permission: bool
    user_roles: list[str] = []
    effective_permissions: list[str] = []
    reason: str | None = None
