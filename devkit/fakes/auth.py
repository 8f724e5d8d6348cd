"""Fake auth-service (docs/contracts.md §3).

Where the contract is silent:
- A login opens a session (``session_id`` a UUID) that lives as long as its refresh token (7 days).
- Refresh rotation: each session remembers its current refresh ``jti``.  A refresh token that is not
  the current one (already used) revokes the whole session, as reuse detection does in the real
  service; every token of that session then answers ``401 invalid_token``.
- ``/auth/me`` checks the token and its session, not the user's current status.
- A4 reports the roles and permissions of the user's *current* roles; ``resource_id`` is accepted
  and ignored (ownership is the request service's job).  An inactive user has no permissions
  (reason ``user_inactive``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from devkit.fakes import jwt_tokens
from devkit.fakes.app import FakeService
from devkit.fakes.bodies import LoginBody, PermissionBody, RefreshBody
from devkit.fakes.catalog import PERMISSIONS
from devkit.fakes.entities import SessionRec, UserRec
from devkit.fakes.http import Call, HttpError, Router
from devkit.fakes.state import FakeWorld

__all__ = ["create_app"]


def _pair(world: FakeWorld, user: UserRec, session: SessionRec) -> dict[str, Any]:
    access, _ = jwt_tokens.issue(world, user, session.session_id, "access")
    refresh, jti = jwt_tokens.issue(world, user, session.session_id, "refresh")
    session.refresh_jti = jti
    return {
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": jwt_tokens.ACCESS_TTL,
        "session_id": session.session_id,
    }


def _routes(world: FakeWorld) -> Router:
    router = Router()

    def login(call: Call) -> dict[str, Any]:
        body = call.body(LoginBody)
        user = world.user_by_telegram(body.telegram_id)
        if user is None:
            raise HttpError(401, "user_not_found")
        if not user.is_active:
            raise HttpError(401, "user_inactive")
        session = SessionRec(
            session_id=str(uuid.uuid4()),
            user_id=user.id,
            expires_at=world.now() + dt.timedelta(seconds=jwt_tokens.REFRESH_TTL),
            refresh_jti="",
        )
        world.sessions[session.session_id] = session
        return {
            "success": True,
            "message": "ok",
            "user_id": user.id,
            "tokens": _pair(world, user, session),
        }

    def refresh(call: Call) -> dict[str, Any]:
        body = call.body(RefreshBody)
        claims = jwt_tokens.decode(world, body.refresh_token, "refresh")
        if claims is None:
            raise HttpError(401, "invalid_token")
        session = world.sessions[claims["session_id"]]
        if claims["jti"] != session.refresh_jti:
            session.revoked = True  # a used refresh token came back: treat the session as stolen
            raise HttpError(401, "invalid_token", "refresh token reused")
        user = world.users.get(session.user_id)
        if user is None or not user.is_active:
            raise HttpError(401, "invalid_token")
        return _pair(world, user, session)

    def me(call: Call) -> dict[str, Any]:
        session = world.sessions[call.claims["session_id"]]
        return {
            "user_id": call.claims["user_id"],
            "telegram_id": call.claims["telegram_id"],
            "roles": call.claims["roles"],
            "session_id": session.session_id,
            "session_expires_at": session.expires_at,
        }

    def check(call: Call) -> dict[str, Any]:
        body = call.body(PermissionBody)
        user = world.users.get(body.user_id)
        if user is None or user.telegram_id != body.telegram_id:
            return _denied([], "user_not_found")
        if not user.is_active:
            return _denied(user.roles, "user_inactive")
        effective = sorted({p for role in user.roles for p in PERMISSIONS.get(role, ())})
        allowed = "admin" in user.roles or body.permission_key in effective
        return {
            "has_permission": allowed,
            "user_roles": list(user.roles),
            "effective_permissions": effective,
            "reason": None if allowed else "permission_not_granted",
        }

    router.add("POST", "/auth/login", login, idempotent=False)
    router.add("POST", "/auth/refresh", refresh, idempotent=False)
    router.add("GET", "/auth/me", me, bearer=True)
    router.add("POST", "/permissions/check", check, idempotent=False)
    return router


def _denied(roles: list[str], reason: str) -> dict[str, Any]:
    return {
        "has_permission": False,
        "user_roles": list(roles),
        "effective_permissions": [],
        "reason": reason,
    }


def create_app(state: FakeWorld | None = None) -> FakeService:
    """The auth fake on ``state`` (a freshly seeded world when omitted)."""
    world = state if state is not None else FakeWorld.seeded()
    return FakeService("auth", world, _routes(world))
