"""Fake user-service (docs/contracts.md §4).

Where the contract is silent:
- New users get ids from 1000 up; U5 search matches first name, last name, username or phone,
  case-insensitively.  With no ``status`` filter, pending users come first (oldest first), then
  the rest newest first.
- U9 may be used on oneself (only status and roles are protected from self-service).
- U10 lists users holding ``executor``, by id.
- U5 takes the audience filters of §10: ``yard_id`` / ``building_id`` (an approved apartment link
  there) and ``specialization``.
- U12 on a *rejected* link re-opens it as pending (a resident may ask again); a pending or
  approved link gives ``409 apartment_link_exists`` with its ``status``.
- Invites (U17–U19) live in :mod:`devkit.fakes.invites`.
"""

from __future__ import annotations

import re
from typing import Any

from devkit.fakes.actors import manager_actor, target_user
from devkit.fakes.app import FakeService
from devkit.fakes.bodies import (
    ActiveRoleBody,
    CreateUserBody,
    LinkBody,
    ReviewLinkBody,
    RolesBody,
    SpecsBody,
    StatusBody,
    UpdateUserBody,
)
from devkit.fakes.catalog import ROLES, SPECIALIZATIONS
from devkit.fakes.entities import ApartmentLink, UserRec
from devkit.fakes.http import Call, HttpError, Reply, Router, invalid
from devkit.fakes.invites import add_invite_routes
from devkit.fakes.state import FakeWorld
from devkit.fakes.views import (
    address_ref,
    apartment_view,
    building_view,
    link_view,
    page,
    user_view,
    yard_view,
)

__all__ = ["create_app"]

PHONE_RE = re.compile(r"^\+\d{10,15}$")
STAFF_ROLES = frozenset({"manager", "admin"})


def _natural(number: str) -> tuple[int, str]:
    digits = re.match(r"\d+", number)
    return (int(digits.group()) if digits else 1 << 30, number)


def _protect(actor: UserRec, target: UserRec, touches_staff: bool) -> None:
    if actor.id == target.id:
        raise HttpError(403, "forbidden", "nobody may change their own status or roles")
    if touches_staff and not actor.is_admin:
        raise HttpError(403, "forbidden", "only an admin may manage managers and admins")


def _routes(world: FakeWorld) -> Router:  # noqa: C901 - one closure per endpoint
    r = Router()

    def by_telegram(call: Call) -> dict[str, Any]:
        user = world.user_by_telegram(call.params["telegram_id"])
        if user is None:
            raise HttpError(404, "user_not_found")
        return user_view(user)

    def create(call: Call) -> Reply:
        body = call.body(CreateUserBody)
        if world.user_by_telegram(body.telegram_id) is not None:
            raise HttpError(409, "user_exists")
        now = world.now()
        user = UserRec(
            id=world.next_id("user", 1000),
            telegram_id=body.telegram_id,
            username=body.username,
            first_name=body.first_name,
            last_name=body.last_name,
            language_code=body.language_code,
            created_at=now,
            updated_at=now,
        )
        world.users[user.id] = user
        return Reply(user_view(user), 201)

    def get(call: Call) -> dict[str, Any]:
        return user_view(target_user(world, call.params["user_id"]))

    def update(call: Call) -> dict[str, Any]:
        body = call.body(UpdateUserBody)
        user = target_user(world, call.params["user_id"])
        if body.phone is not None and not PHONE_RE.match(body.phone):
            raise invalid("phone must look like +998901234567", "invalid_phone")
        if body.language_code is not None:
            user.language_code = body.language_code
        if body.phone is not None:
            user.phone = body.phone
        user.updated_at = world.now()
        return user_view(user)

    def list_users(call: Call) -> dict[str, Any]:
        status = call.q_choice("status", {"pending", "approved", "blocked"})
        role = call.q_choice("role", set(ROLES))
        search = (call.q("search") or "").strip().lower()
        if len(search) > 64:
            raise invalid("search is at most 64 characters")
        specialization = call.q_choice("specialization", set(SPECIALIZATIONS))
        yard_id = call.q_int("yard_id", None, 1)
        building_id = call.q_int("building_id", None, 1)
        linked: set[int] | None = None
        if yard_id is not None or building_id is not None:
            # §10: users with an approved apartment link in that yard / building.
            linked = set()
            for link in world.links.values():
                apartment = world.apartments.get(link.apartment_id)
                building = world.buildings.get(apartment.building_id) if apartment else None
                if link.status != "approved" or building is None:
                    continue
                if building_id is not None and building.id != building_id:
                    continue
                if yard_id is not None and building.yard_id != yard_id:
                    continue
                linked.add(link.user_id)
        users = [
            u
            for u in world.users.values()
            if (status is None or u.status == status)
            and (role is None or role in u.roles)
            and (specialization is None or specialization in u.specializations)
            and (linked is None or u.id in linked)
            and (
                not search
                or any(
                    search in (v or "").lower()
                    for v in (u.first_name, u.last_name, u.username, u.phone)
                )
            )
        ]
        users.sort(
            key=lambda u: (
                u.status != "pending",
                u.created_at.timestamp() * (1 if u.status == "pending" else -1),
                u.id,
            )
        )
        return page([user_view(u) for u in users], *call.paging())

    def set_status(call: Call) -> dict[str, Any]:
        body = call.body(StatusBody)
        actor = manager_actor(world, body.actor_user_id)
        user = target_user(world, call.params["user_id"])
        _protect(actor, user, bool(STAFF_ROLES & set(user.roles)))
        if user.status != body.status:
            old = user.status
            user.status = body.status
            user.updated_at = world.now()
            world.events.emit(
                "user.status_changed",
                {"user": user_view(user), "old_status": old, "new_status": user.status},
                f"user:{user.id}:status:{world.next_id('user-status-change')}",
                "user-service",
            )
        return user_view(user)

    def set_roles(call: Call) -> dict[str, Any]:
        body = call.body(RolesBody)
        actor = manager_actor(world, body.actor_user_id)
        user = target_user(world, call.params["user_id"])
        if len(set(body.roles)) != len(body.roles):
            raise invalid("roles must not repeat")
        _protect(actor, user, bool(STAFF_ROLES & (set(user.roles) | set(body.roles))))
        user.roles = list(body.roles)
        if user.active_role not in user.roles:
            user.active_role = user.roles[0]
        user.updated_at = world.now()
        return user_view(user)

    def set_active_role(call: Call) -> dict[str, Any]:
        body = call.body(ActiveRoleBody)
        user = target_user(world, call.params["user_id"])
        if body.role_key not in user.roles:
            raise invalid("the user does not hold this role", "role_not_held")
        user.active_role = body.role_key
        user.updated_at = world.now()
        return user_view(user)

    def set_specializations(call: Call) -> dict[str, Any]:
        body = call.body(SpecsBody)
        manager_actor(world, body.actor_user_id)
        user = target_user(world, call.params["user_id"])
        if len(set(body.specializations)) != len(body.specializations):
            raise invalid("specializations must not repeat")
        user.specializations = list(body.specializations)
        user.updated_at = world.now()
        return user_view(user)

    def executors(call: Call) -> dict[str, Any]:
        specs = call.q_list("specialization")
        if any(s not in SPECIALIZATIONS for s in specs):
            raise invalid("unknown specialization")
        status = call.q_choice("status", {"pending", "approved", "blocked"}) or "approved"
        found = [
            u
            for u in sorted(world.users.values(), key=lambda u: u.id)
            if "executor" in u.roles
            and u.status == status
            and (not specs or set(specs) & set(u.specializations))
        ]
        return page([user_view(u) for u in found], *call.paging())

    def addresses(call: Call) -> dict[str, Any]:
        user = target_user(world, call.params["user_id"])
        links = sorted(world.links_of(user.id), key=lambda link: link.requested_at)
        return {
            "items": [link_view(world, link) for link in links],
            "request_addresses": [
                address_ref(world, t, i) for t, i in world.request_addresses(user.id)
            ],
        }

    def request_apartment(call: Call) -> Reply:
        body = call.body(LinkBody)
        user = target_user(world, call.params["user_id"])
        if body.apartment_id not in world.apartments:
            raise HttpError(404, "not_found", "no such apartment")
        link = world.links.get((user.id, body.apartment_id))
        if link is not None and link.status != "rejected":
            raise HttpError(409, "apartment_link_exists", status=link.status)
        link = ApartmentLink(user.id, body.apartment_id, "pending", world.now(), body.is_owner)
        world.links[(user.id, body.apartment_id)] = link
        return Reply(link_view(world, link), 201)

    def review_apartment(call: Call) -> dict[str, Any]:
        body = call.body(ReviewLinkBody)
        manager_actor(world, body.actor_user_id)
        user = target_user(world, call.params["user_id"])
        link = world.links.get((user.id, call.params["apartment_id"]))
        if link is None:
            raise HttpError(404, "not_found", "no such apartment link")
        if link.status != "pending":
            raise HttpError(409, "link_not_pending", status=link.status)
        link.status = body.status
        link.reviewed_at = world.now()
        link.admin_comment = body.comment
        world.events.emit(
            "user.apartment_reviewed",
            {"user_id": user.id, "address": link_view(world, link)},
            f"apartment:{user.id}:{link.apartment_id}:{link.status}:"
            f"{int(link.reviewed_at.timestamp())}",
            "user-service",
        )
        return link_view(world, link)

    def yards(call: Call) -> dict[str, Any]:
        found = sorted((y for y in world.yards.values() if y.is_active), key=lambda y: y.name)
        return page([yard_view(y) for y in found], *call.paging())

    def buildings(call: Call) -> dict[str, Any]:
        if call.params["yard_id"] not in world.yards:
            raise HttpError(404, "not_found")
        found = sorted(
            (b for b in world.buildings.values() if b.yard_id == call.params["yard_id"]),
            key=lambda b: b.address,
        )
        return page([building_view(b) for b in found], *call.paging())

    def apartments(call: Call) -> dict[str, Any]:
        if call.params["building_id"] not in world.buildings:
            raise HttpError(404, "not_found")
        found = sorted(
            (a for a in world.apartments.values() if a.building_id == call.params["building_id"]),
            key=lambda a: _natural(a.apartment_number),
        )
        return page([apartment_view(a) for a in found], *call.paging())

    r.add("GET", "/users/by-telegram/{telegram_id:int}", by_telegram)
    r.add("GET", "/users/executors", executors, query={"specialization", "status"}, paged=True)
    r.add("POST", "/users/", create)
    r.add(
        "GET",
        "/users/",
        list_users,
        query={"status", "role", "search", "yard_id", "building_id", "specialization"},
        paged=True,
    )
    r.add("GET", "/users/{user_id:int}", get)
    r.add("PUT", "/users/{user_id:int}", update)
    r.add("PATCH", "/users/{user_id:int}/status", set_status)
    r.add("PUT", "/users/{user_id:int}/roles", set_roles)
    r.add("PUT", "/users/{user_id:int}/active-role", set_active_role)
    r.add("PUT", "/users/{user_id:int}/specializations", set_specializations)
    r.add("GET", "/users/{user_id:int}/addresses", addresses)
    r.add("POST", "/users/{user_id:int}/apartments", request_apartment)
    r.add("PATCH", "/users/{user_id:int}/apartments/{apartment_id:int}", review_apartment)
    r.add("GET", "/yards", yards, paged=True)
    r.add("GET", "/yards/{yard_id:int}/buildings", buildings, paged=True)
    r.add("GET", "/buildings/{building_id:int}/apartments", apartments, paged=True)
    add_invite_routes(r, world)
    return r


def create_app(state: FakeWorld | None = None) -> FakeService:
    """The user fake on ``state`` (a freshly seeded world when omitted)."""
    world = state if state is not None else FakeWorld.seeded()
    return FakeService("user", world, _routes(world))
