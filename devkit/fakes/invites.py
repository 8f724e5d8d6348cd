"""Invites of the fake user-service (docs/contracts.md §4, U17–U19).

Where the contract is silent: specializations are kept only for executor invites; inviting a
``manager`` needs an admin; tokens are 22 characters of ``[A-Za-z0-9_-]``.  U19 checks the invite
before the user, and a consumed invite is replayed through its Idempotency-Key like any other call.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from devkit.fakes.actors import manager_actor, target_user
from devkit.fakes.bodies import ConsumeBody, InviteBody
from devkit.fakes.catalog import SPECIALIZATIONS
from devkit.fakes.entities import InviteRec
from devkit.fakes.http import Call, HttpError, Reply, Router, invalid
from devkit.fakes.state import FakeWorld
from devkit.fakes.views import invite_view, user_view

__all__ = ["add_invite_routes"]

INVITE_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,59}$")


def _invite(world: FakeWorld, token: str) -> InviteRec:
    invite = world.invites.get(token) if INVITE_TOKEN_RE.match(token) else None
    if invite is None:
        raise HttpError(404, "invite_invalid")
    if invite.used_by is not None:
        raise HttpError(410, "invite_used")
    if invite.expires_at <= world.now():
        raise HttpError(410, "invite_expired")
    return invite


def add_invite_routes(r: Router, world: FakeWorld) -> None:
    def create_invite(call: Call) -> Reply:
        body = call.body(InviteBody)
        actor = manager_actor(world, body.actor_user_id)
        if body.role == "manager" and not actor.is_admin:
            raise HttpError(403, "forbidden", "only an admin may invite a manager")
        specs: list[str] = []
        if body.role == "executor":
            specs = list(dict.fromkeys(body.specializations))
        if body.role == "executor" and not specs:
            raise invalid("an executor invite needs a specialization", "specialization_required")
        now = world.now()
        invite = InviteRec(
            token=secrets.token_urlsafe(16),
            role=body.role,
            specializations=specs,
            expires_at=now + dt.timedelta(hours=body.expires_in_hours),
            created_by=actor.id,
            created_at=now,
        )
        world.invites[invite.token] = invite
        return Reply(invite_view(invite), 201)

    def get_invite(call: Call) -> dict[str, Any]:
        return invite_view(_invite(world, call.params["token"]))

    def consume_invite(call: Call) -> dict[str, Any]:
        body = call.body(ConsumeBody)
        invite = _invite(world, call.params["token"])
        user = target_user(world, body.user_id)
        if invite.role != "applicant" and user.status == "pending" and user.roles == ["applicant"]:
            user.roles = []
        if invite.role not in user.roles:
            user.roles.append(invite.role)
        user.active_role = invite.role
        if invite.role == "executor":
            merged = set(user.specializations) | set(invite.specializations)
            user.specializations = [s for s in SPECIALIZATIONS if s in merged]
        now = world.now()
        user.updated_at = now
        invite.used_by, invite.used_at = user.id, now
        return {
            "user": user_view(user),
            "role": invite.role,
            "specializations": list(invite.specializations),
        }

    r.add("POST", "/invites", create_invite)
    r.add("GET", "/invites/{token}", get_invite)
    r.add("POST", "/invites/{token}/consume", consume_invite)
