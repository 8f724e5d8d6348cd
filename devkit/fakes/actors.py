"""Who may act: lookups that turn a missing or unqualified actor into the contract's errors."""

from __future__ import annotations

from devkit.fakes.entities import UserRec
from devkit.fakes.http import HttpError
from devkit.fakes.state import FakeWorld

__all__ = ["approved_actor", "manager_actor", "target_user"]


def approved_actor(world: FakeWorld, user_id: int) -> UserRec:
    """An existing, approved actor (403 ``forbidden`` / ``user_not_approved`` otherwise)."""
    user = world.users.get(user_id)
    if user is None or not user.is_active:
        raise HttpError(403, "forbidden", "unknown actor")
    if not user.approved:
        raise HttpError(403, "user_not_approved")
    return user


def manager_actor(world: FakeWorld, user_id: int) -> UserRec:
    """An approved manager or admin."""
    user = approved_actor(world, user_id)
    if not user.is_manager:
        raise HttpError(403, "forbidden", "manager or admin role required")
    return user


def target_user(world: FakeWorld, user_id: int) -> UserRec:
    user = world.users.get(user_id)
    if user is None:
        raise HttpError(404, "user_not_found")
    return user
