"""The access rule against who is asking: a catalogue command's (``bot_commands.access``,
``required_roles``, ``is_enabled``) or a level a handler declares (:mod:`workers.bot.core.gate`).
The access middleware applies it to every handler's declared rules."""

from __future__ import annotations

from collections.abc import Iterable

from workers.bot.core.auth import AuthContext
from workers.bot.core.catalog import CommandSpec
from workers.bot.core.texts import (
    ACCESS_BLOCKED,
    AWAITING_APPROVAL,
    COMMAND_DISABLED,
    NOT_REGISTERED,
    ROLE_REFUSED,
)

__all__ = ["LEVELS", "level_spec", "refusal", "role_spec"]

# anyone: blocked users too; public: anyone not blocked; registered; approved.
LEVELS = frozenset({"anyone", "public", "registered", "approved"})


def level_spec(access: str, roles: Iterable[str] = ()) -> CommandSpec:
    """A rule that has no catalogue row: an access level, optionally with roles."""
    return CommandSpec(
        command="",
        access=access,
        required_roles=tuple(roles),
        description_ru="",
        description_uz="",
        is_enabled=True,
        sort_order=0,
    )


def role_spec(roles: Iterable[str]) -> CommandSpec:
    """An approved user whose active role is one of ``roles``."""
    return level_spec("approved", roles)


def refusal(spec: CommandSpec, auth: AuthContext | None) -> str | None:
    """The text to refuse with, or ``None`` when the user may go on."""
    status = auth.status if auth is not None else "unregistered"
    if spec.access == "anyone":
        return None
    if status == "blocked":
        return ACCESS_BLOCKED
    if spec.access == "public":
        return None
    if not spec.is_enabled:
        return COMMAND_DISABLED
    if status == "unregistered":
        return NOT_REGISTERED
    if spec.access == "approved":
        if status != "approved":
            return AWAITING_APPROVAL
        if not spec.allows_role(auth.active_role if auth else None):
            return ROLE_REFUSED
    return None
