"""Invite tokens as users send them, and the registration every entry path starts with.

A token is opaque ``[A-Za-z0-9_-]{16,59}``; users send ``join_<token>``, the whole
``https://t.me/<bot>?start=join_<token>`` link or the bare token. Tokens never reach a log line:
the idempotency key of U19 carries a hash of the token instead.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from aiogram.types import User as TelegramUser

from shared.clients import ServiceClients, ServiceConflict
from shared.clients.models.users import User
from shared.logs import get_logger
from workers.bot.core.auth import AuthContext

__all__ = ["consume_key", "ensure_user", "parse_invite"]

log = get_logger(__name__)

_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{16,59}")
_IN_LINK: Final = re.compile(r"start=join_([A-Za-z0-9_-]+)")


def parse_invite(text: str) -> str | None:
    """The token in what the user sent, or ``None`` when it is not shaped like one."""
    value = text.strip()
    linked = _IN_LINK.search(value)
    if linked is not None:
        value = linked.group(1)
    elif value.startswith("join_"):
        value = value[len("join_") :]
    return value if _TOKEN.fullmatch(value) else None


def consume_key(token: str, user_id: int) -> str:
    digest = hashlib.sha256(token.encode()).hexdigest()[:24]
    return f"join:{digest}:{user_id}"


async def ensure_user(
    auth: AuthContext, clients: ServiceClients, sender: TelegramUser, language: str
) -> User:
    """The sender's profile, registering them first (U2, in ``language``: the update's locale)
    when the user service does not know them; a 409 (a retry, or a registration racing this
    one) reads the profile again (U1)."""
    if auth.user is not None:
        return auth.user
    try:
        await clients.users.create(
            sender.id,
            username=sender.username,
            first_name=sender.first_name,
            last_name=sender.last_name,
            language_code=language,
            idempotency_key=f"user-create:{sender.id}",
        )
        log.info("user_registered", telegram_id=sender.id)
    except ServiceConflict:
        log.info("user_already_registered", telegram_id=sender.id)
    # The profile cache still says "unknown": read it again (U1) for this and later updates.
    user = await auth.reload()
    if user is None:
        raise RuntimeError("registered user is not readable")
    return user
