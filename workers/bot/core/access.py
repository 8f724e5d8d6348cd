"""The access rule of a catalogue command, against who is asking (``bot_commands.access`` and
``required_roles``): the one rule the access middleware and the role gate both apply."""

from __future__ import annotations

from workers.bot.core.auth import AuthContext
from workers.bot.core.catalog import CommandSpec
from workers.bot.core.texts import (
    ACCESS_BLOCKED,
    AWAITING_APPROVAL,
    COMMAND_DISABLED,
    NOT_REGISTERED,
    ROLE_REFUSED,
)

__all__ = ["refusal"]


def refusal(spec: CommandSpec | None, auth: AuthContext | None) -> str | None:
    """The text to refuse with, or ``None`` when the user may go on."""
    status = auth.status if auth is not None else "unregistered"
    if status == "blocked" and (spec is None or spec.access != "anyone"):
        return ACCESS_BLOCKED
    if spec is None or spec.access == "anyone":
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
