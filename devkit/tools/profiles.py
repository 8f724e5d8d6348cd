"""Give a scrubbed recording's stand-in users their parts in the fake services before a replay.

``record --scrub`` writes, before a user's first update, a ``profile`` line: the stand-in's
Telegram id with the user service's id, roles, status and language of the person it replaces
(never a name or a phone). Here each stand-in takes over the fake user with that service id when
the fake world has one (so their requests, apartments and shifts come with them) and otherwise
joins as a new user with those roles, so the replay takes the same branches as the recording.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from devkit.fakes.entities import UserRec
from devkit.fakes.state import FakeWorld

__all__ = ["apply_profiles"]


def _strs(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def apply_profiles(world: FakeWorld, profiles: Iterable[dict[str, Any]]) -> int:
    """Apply every profile; returns how many stand-ins were placed."""
    placed = 0
    for profile in profiles:
        telegram_id = profile.get("telegram_id")
        if not isinstance(telegram_id, int):
            continue
        existing = world.user_by_telegram(telegram_id)
        if existing is not None:  # already placed (the same stand-in twice)
            continue
        user_id = profile.get("user_id")
        record = world.users.get(user_id) if isinstance(user_id, int) else None
        if record is None:
            now = world.now()
            new_id = world.next_id("user", start=max(world.users, default=0) + 1)
            record = world.users[new_id] = UserRec(
                id=new_id, telegram_id=telegram_id, created_at=now, updated_at=now
            )
        record.telegram_id = telegram_id
        n = placed + 1
        record.first_name, record.last_name, record.username = f"User {n}", None, None
        if isinstance(profile.get("status"), str):
            record.status = profile["status"]
        if roles := _strs(profile.get("roles")):
            record.roles = roles
        record.active_role = profile.get("active_role") or (roles[0] if roles else None)
        record.specializations = _strs(profile.get("specializations"))
        if isinstance(profile.get("language_code"), str):
            record.language_code = profile["language_code"]
        placed += 1
    return placed
