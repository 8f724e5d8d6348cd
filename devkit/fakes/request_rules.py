"""The request life cycle of docs/contracts.md §5 as data and checks, apart from HTTP.

``R6_TRANSITIONS`` is the table of status changes made through ``PATCH …/status`` and who may make
each one.  Assignment (R7), claim (R8), accept (R9) and return (R10) have their own rules below.
Checks run in a fixed order so the answer to a bad call is predictable: unknown request (404) →
actor exists and is approved (403) → actor may see it (404) → ``status_version`` (409
``version_conflict``) → the move exists (409 ``invalid_transition``) → the actor may make it (403)
→ an executor is on shift (422 ``no_active_shift``) → the extra input (422).
"""

from __future__ import annotations

from devkit.fakes.actors import approved_actor
from devkit.fakes.catalog import ARCHIVE_STATUSES, REQUEST_STATUSES
from devkit.fakes.entities import CommentRec, RequestRec, UserRec
from devkit.fakes.http import HttpError
from devkit.fakes.state import FakeWorld

__all__ = [
    "EXECUTOR",
    "MANAGER",
    "OWNER",
    "R6_TRANSITIONS",
    "apply_transition",
    "can_view",
    "capacities",
    "check_version",
    "comment_required",
    "find_request",
    "in_pool",
    "is_resident_of",
    "r6_capacity",
    "require_shift",
    "visible_actor",
]

MANAGER, EXECUTOR, OWNER = "manager", "executor", "owner"
_M, _E = frozenset({MANAGER}), frozenset({MANAGER, EXECUTOR})

R6_TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    ("new", "purchase"): _M,
    ("in_progress", "purchase"): _E,
    ("purchase", "in_progress"): _E,
    ("new", "clarification"): _M,
    ("in_progress", "clarification"): _M,
    ("purchase", "clarification"): _M,
    ("clarification", "in_progress"): _E,
    ("in_progress", "done"): _E,
    ("purchase", "done"): _M,
    ("clarification", "done"): _M,
    ("done", "confirmed"): _M,
    ("done", "in_progress"): _M,
    ("confirmed", "in_progress"): _M,
    ("returned", "in_progress"): _M,
    ("confirmed", "accepted"): _M,
    ("returned", "accepted"): _M,
    **{
        (status, "cancelled"): frozenset({MANAGER, OWNER}) if status == "new" else _M
        for status in REQUEST_STATUSES
        if status not in ARCHIVE_STATUSES
    },
}
_REWORK_FROM = frozenset({"done", "confirmed", "returned"})


def comment_required(old: str, new: str, capacity: str) -> bool:
    """The "required extra" column: materials, the question, the report, the reason."""
    if new in {"purchase", "clarification", "done"}:
        return True
    if new == "in_progress" and old in _REWORK_FROM:
        return True
    return new == "cancelled" and capacity == MANAGER


def find_request(world: FakeWorld, number: str) -> RequestRec:
    request = world.requests.get(number)
    if request is None:
        raise HttpError(404, "not_found", "no such request")
    return request


def is_resident_of(world: FakeWorld, user: UserRec, request: RequestRec) -> bool:
    """An approved resident of the request's apartment (the owner's neighbours at home)."""
    return (
        request.address_type == "apartment"
        and user.approved
        and request.address_id in world.approved_apartments(user.id)
    )


def in_pool(user: UserRec, request: RequestRec) -> bool:
    return (
        "executor" in user.roles
        and request.status == "new"
        and request.assignment_type == "group"
        and request.executor_user_id is None
        and request.assigned_group in user.specializations
    )


def can_view(world: FakeWorld, user: UserRec, request: RequestRec) -> bool:
    """R5 visibility: owner, residents of the apartment, the executor, the pool, managers."""
    return (
        user.is_manager
        or request.applicant_user_id == user.id
        or request.executor_user_id == user.id
        or is_resident_of(world, user, request)
        or in_pool(user, request)
    )


def visible_actor(world: FakeWorld, actor_id: int, request: RequestRec) -> UserRec:
    actor = approved_actor(world, actor_id)
    if not can_view(world, actor, request):
        raise HttpError(404, "not_found", "no such request")
    return actor


def check_version(request: RequestRec, status_version: int) -> None:
    if status_version != request.status_version:
        raise HttpError(
            409,
            "version_conflict",
            status=request.status,
            status_version=request.status_version,
        )


def capacities(user: UserRec, request: RequestRec) -> set[str]:
    out = set()
    if user.is_manager:
        out.add(MANAGER)
    if request.executor_user_id == user.id and "executor" in user.roles:
        out.add(EXECUTOR)
    if request.applicant_user_id == user.id:
        out.add(OWNER)
    return out


def require_shift(world: FakeWorld, user: UserRec) -> None:
    if not world.active_shifts(user.id):
        raise HttpError(422, "no_active_shift", "start a shift first")


def r6_capacity(world: FakeWorld, actor: UserRec, request: RequestRec, new: str) -> str:
    """The capacity in which ``actor`` may move ``request`` to ``new`` via R6, or raise."""
    allowed = R6_TRANSITIONS.get((request.status, new))
    if allowed is None:
        raise HttpError(
            409,
            "invalid_transition",
            f"{request.status} -> {new} is not allowed",
            status=request.status,
            status_version=request.status_version,
        )
    held = capacities(actor, request) & allowed
    for capacity in (MANAGER, EXECUTOR, OWNER):
        if capacity in held:
            if capacity == EXECUTOR:
                require_shift(world, actor)
            return capacity
    raise HttpError(403, "forbidden", "this actor may not make this change")


def apply_transition(
    world: FakeWorld,
    request: RequestRec,
    new: str,
    actor_id: int | None,
    comment: str | None,
    media: list[str] | None = None,
) -> None:
    """Move ``request`` to ``new``: bump the version, stamp times, log a status_change comment,
    emit ``request.status_changed``."""
    now = world.now()
    old = request.status
    request.status = new
    request.status_version += 1
    request.updated_at = now
    if new in ARCHIVE_STATUSES:
        request.closed_at = now
    world.comments.append(
        CommentRec(
            id=world.next_id("comment", 9001),
            request_number=request.request_number,
            author_user_id=actor_id,
            comment_type="status_change",
            comment_text=comment or "",
            created_at=now,
            media_files=list(media or []),
            old_status=old,
            new_status=new,
        )
    )
    from devkit.fakes.views import request_view

    world.events.emit(
        "request.status_changed",
        {
            "request": request_view(world, request),
            "old_status": old,
            "new_status": new,
            "actor_user_id": actor_id,
            "comment": comment,
        },
        f"{request.request_number}:{request.status_version}",
        "request-service",
    )
