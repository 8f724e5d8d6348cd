"""Access rules as handlers declare them, where they are registered (checked, fail closed, by
:class:`workers.bot.middlewares.access.AccessMiddleware`).

``@router.callback_query(CardCB.filter(), flags=WORK)`` — one of these on every message and
callback handler:

- ``command("users", STAFF)`` — the ``bot_commands`` row of the command (its access level,
  required roles and on/off switch) and, for the staff tools, the roles in code as well, so a
  catalogue row edited by mistake cannot open them to everyone;
- ``roles(EXECUTOR)`` — an approved user with one of these active roles;
- ``ANYONE`` (blocked users too: the maintenance notice), ``PUBLIC`` (anyone not blocked:
  onboarding steps, the fallback).
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["ADMIN", "ANYONE", "EXECUTOR", "PUBLIC", "STAFF", "VIEWERS", "command", "roles"]

EXECUTOR: Final[tuple[str, ...]] = ("executor",)
STAFF: Final[tuple[str, ...]] = ("manager", "admin")
ADMIN: Final[tuple[str, ...]] = ("admin",)
VIEWERS: Final[tuple[str, ...]] = ("executor", "manager", "admin")

ANYONE: Final[dict[str, Any]] = {"access": "anyone"}
PUBLIC: Final[dict[str, Any]] = {"access": "public"}


def command(name: str, allowed: tuple[str, ...] = ()) -> dict[str, Any]:
    """The flags of a handler serving catalogue command ``name`` (and only these roles)."""
    flags: dict[str, Any] = {"command": name}
    if allowed:
        flags["roles"] = allowed
    return flags


def roles(allowed: tuple[str, ...]) -> dict[str, Any]:
    """The flags of a handler for approved users with one of these active roles."""
    return {"roles": allowed}
