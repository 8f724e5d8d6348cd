"""Fake request-service (docs/contracts.md §5); the life-cycle rules live in :mod:`request_rules`.

Where the contract is silent:
- An unknown actor gets ``403 forbidden``; an actor who may not see the request gets 404.
- R6 to ``done`` fills ``completion_report`` / ``completion_media`` and ``completed_at``; a move
  back to ``in_progress`` (rework) clears ``completed_at``.  ``done → confirmed`` with
  ``acceptance_mode = manager`` lands on ``accepted`` in one step (one version).
- R7 bumps ``status_version`` and logs a ``status_change`` comment for group re-addressing too
  (``new → new``); an individual assignee that is not an approved executor gives 422.
- R8: a request that already has an executor gives ``409 already_claimed`` before the version is
  compared (the clearer answer for the loser of a race).
- R9/R10 record the rating or reason on the request and in the ``status_change`` comment.
- R12: applicants may not write internal comments (403); comments are allowed on closed requests.
"""

from __future__ import annotations

from typing import Any

from devkit.fakes.actors import approved_actor
from devkit.fakes.app import FakeService
from devkit.fakes.bodies import (
    AcceptBody,
    AssignBody,
    ClaimBody,
    CommentBody,
    CreateRequestBody,
    ReturnBody,
    StatusChangeBody,
)
from devkit.fakes.catalog import (
    ACTIVE_STATUSES,
    ARCHIVE_STATUSES,
    CATEGORY_SPEC,
    REQUEST_STATUSES,
    URGENCY_RANK,
)
from devkit.fakes.entities import CommentRec, RequestRec, UserRec
from devkit.fakes.http import Call, HttpError, Reply, Router, invalid
from devkit.fakes.request_rules import (
    OWNER,
    apply_transition,
    can_view,
    capacities,
    check_version,
    comment_required,
    find_request,
    in_pool,
    is_resident_of,
    r6_capacity,
    require_shift,
    visible_actor,
)
from devkit.fakes.state import FakeWorld
from devkit.fakes.views import categories_view, comment_view, page, request_view

__all__ = ["create_app"]


def _urgency_order(r: RequestRec) -> tuple[int, float]:
    return (-URGENCY_RANK[r.urgency], r.created_at.timestamp())


def _routes(world: FakeWorld) -> Router:  # noqa: C901 - one closure per endpoint
    rt = Router()

    def view(r: RequestRec) -> dict[str, Any]:
        return request_view(world, r)

    def create(call: Call) -> Reply:
        body = call.body(CreateRequestBody)
        applicant = approved_actor(world, body.applicant_user_id)
        if "applicant" not in applicant.roles:
            raise HttpError(403, "forbidden", "applicant role required")
        description = body.description.strip()
        if not 10 <= len(description) <= 2000:
            raise invalid("description must be 10..2000 characters")
        if not applicant.phone:
            raise invalid("a phone number is required", "phone_required")
        if (body.address_type, body.address_id) not in set(world.request_addresses(applicant.id)):
            raise invalid("not one of the applicant's addresses", "address_not_linked")
        now = world.now()
        request = RequestRec(
            request_number=world.next_request_number(now),
            category=body.category,
            urgency=body.urgency,
            description=description,
            address_type=body.address_type,
            address_id=body.address_id,
            applicant_user_id=applicant.id,
            created_at=now,
            updated_at=now,
            assignment_type="group",
            assigned_group=CATEGORY_SPEC[body.category],
            media_files=list(body.media_files),
            source=body.source,
        )
        world.requests[request.request_number] = request
        world.events.emit(
            "request.created",
            {"request": view(request)},
            f"{request.request_number}:created",
            "request-service",
        )
        return Reply(view(request), 201)

    def list_requests(call: Call) -> dict[str, Any]:
        applicant = call.q_int("applicant_user_id")
        executor = call.q_int("executor_user_id")
        group = call.q_choice("status_group", {"active", "archive", "all"}) or "all"
        statuses = call.q_list("status")
        if any(s not in REQUEST_STATUSES for s in statuses):
            raise invalid("unknown status")
        category = call.q_choice("category", set(CATEGORY_SPEC))
        sort = call.q_choice("sort", {"newest", "urgency"}) or "newest"
        allowed = {"active": ACTIVE_STATUSES, "archive": ARCHIVE_STATUSES}.get(group)
        found = [
            r
            for r in world.requests.values()
            if (applicant is None or r.applicant_user_id == applicant)
            and (executor is None or r.executor_user_id == executor)
            and (allowed is None or r.status in allowed)
            and (not statuses or r.status in statuses)
            and (category is None or r.category == category)
        ]
        if sort == "urgency":
            found.sort(key=_urgency_order)
        else:
            found.sort(key=lambda r: (r.created_at, r.request_number), reverse=True)
        return page([view(r) for r in found], *call.paging())

    def pool(call: Call) -> dict[str, Any]:
        executor_id = call.q_int("executor_user_id")
        if executor_id is None:
            raise invalid("executor_user_id is required")
        executor = world.users.get(executor_id)
        if executor is None:
            raise HttpError(404, "user_not_found")
        found = sorted(
            (r for r in world.requests.values() if in_pool(executor, r)), key=_urgency_order
        )
        return page([view(r) for r in found], *call.paging())

    def get(call: Call) -> dict[str, Any]:
        request = find_request(world, call.params["number"])
        viewer_id = call.q_int("viewer_user_id")
        if viewer_id is not None:
            viewer = world.users.get(viewer_id)
            if viewer is None or not can_view(world, viewer, request):
                raise HttpError(404, "not_found", "no such request")
        return view(request)

    def change_status(call: Call) -> dict[str, Any]:
        body = call.body(StatusChangeBody)
        request = find_request(world, call.params["number"])
        actor = visible_actor(world, body.actor_user_id, request)
        check_version(request, body.status_version)
        old = request.status
        capacity = r6_capacity(world, actor, request, body.status)
        if body.media_files and body.status != "done":
            raise invalid("media_files are allowed only with done")
        comment = (body.comment or "").strip() or None
        if comment is None and comment_required(old, body.status, capacity):
            raise invalid("this change needs a comment", "comment_required")
        new = body.status
        if new == "done":
            request.completion_report = comment
            request.completion_media = list(body.media_files or [])
            request.completed_at = world.now()
        elif new == "in_progress" and old in {"done", "confirmed", "returned"}:
            request.completed_at = None
        elif new == "confirmed" and request.acceptance_mode == "manager":
            new = "accepted"
        apply_transition(world, request, new, actor.id, comment, body.media_files)
        return view(request)

    def assign(call: Call) -> dict[str, Any]:
        body = call.body(AssignBody)
        request = find_request(world, call.params["number"])
        actor = visible_actor(world, body.actor_user_id, request)
        if not actor.is_manager:
            raise HttpError(403, "forbidden", "manager or admin role required")
        check_version(request, body.status_version)
        allowed_from = {"new"} if body.assignment_type == "group" else {"new", "in_progress"}
        if request.status not in allowed_from:
            raise HttpError(
                409,
                "invalid_transition",
                status=request.status,
                status_version=request.status_version,
            )
        if body.assignment_type == "group":
            if body.specialization is None:
                raise invalid("specialization is required for a group assignment")
            request.assignment_type, request.assigned_group = "group", body.specialization
            request.executor_user_id = None
            apply_transition(world, request, "new", actor.id, None)
            return view(request)
        executor = world.users.get(body.executor_user_id or 0)
        if executor is None or not executor.approved or "executor" not in executor.roles:
            raise invalid("executor_user_id must be an approved executor")
        request.assignment_type, request.assigned_group = "individual", None
        request.executor_user_id = executor.id
        apply_transition(world, request, "in_progress", actor.id, None)
        world.events.emit(
            "request.assigned",
            {"request": view(request), "executor_user_id": executor.id},
            f"{request.request_number}:{request.status_version}:assigned",
            "request-service",
        )
        return view(request)

    def claim(call: Call) -> dict[str, Any]:
        body = call.body(ClaimBody)
        request = find_request(world, call.params["number"])
        actor = approved_actor(world, body.actor_user_id)
        if "executor" not in actor.roles:
            raise HttpError(403, "forbidden", "executor role required")
        conflict: dict[str, Any] = {
            "status": request.status,
            "status_version": request.status_version,
        }
        if request.executor_user_id is not None or request.assignment_type == "individual":
            raise HttpError(409, "already_claimed", **conflict)
        if request.status != "new" or request.assignment_type != "group":
            raise HttpError(409, "invalid_transition", **conflict)
        check_version(request, body.status_version)
        if request.assigned_group not in actor.specializations:
            raise invalid("not one of your specializations", "specialization_mismatch")
        require_shift(world, actor)
        request.assignment_type, request.assigned_group = "individual", None
        request.executor_user_id = actor.id
        apply_transition(world, request, "in_progress", actor.id, None)
        return view(request)

    def confirmed_request(
        call: Call, actor_id: int, status_version: int
    ) -> tuple[RequestRec, UserRec]:
        """R9/R10's shared checks: the actor sees the request, the version is current and the
        work waits for acceptance (``confirmed``)."""
        request = find_request(world, call.params["number"])
        actor = visible_actor(world, actor_id, request)
        check_version(request, status_version)
        if request.status != "confirmed":
            raise HttpError(
                409,
                "invalid_transition",
                status=request.status,
                status_version=request.status_version,
            )
        return request, actor

    def accept(call: Call) -> dict[str, Any]:
        body = call.body(AcceptBody)
        request, actor = confirmed_request(call, body.actor_user_id, body.status_version)
        if OWNER not in capacities(actor, request) and not is_resident_of(world, actor, request):
            raise HttpError(403, "forbidden", "only the applicant or a resident may accept")
        request.rating = body.rating
        apply_transition(world, request, "accepted", actor.id, body.comment)
        return view(request)

    def return_request(call: Call) -> dict[str, Any]:
        body = call.body(ReturnBody)
        request, actor = confirmed_request(call, body.actor_user_id, body.status_version)
        if OWNER not in capacities(actor, request):
            raise HttpError(403, "forbidden", "only the applicant may return the work")
        reason = body.reason.strip()
        if not 3 <= len(reason) <= 1000:
            raise invalid("reason must be 3..1000 characters")
        request.return_reason = reason
        apply_transition(world, request, "returned", actor.id, reason, body.media_files)
        return view(request)

    def comments(call: Call) -> dict[str, Any]:
        request = find_request(world, call.params["number"])
        internal = call.q_bool("include_internal")
        found = [
            c for c in world.comments_of(request.request_number) if internal or not c.is_internal
        ]
        return page([comment_view(c) for c in found], *call.paging())

    def add_comment(call: Call) -> Reply:
        body = call.body(CommentBody)
        request = find_request(world, call.params["number"])
        author = approved_actor(world, body.author_user_id)
        held = capacities(author, request)
        staff = bool(held - {OWNER})  # the manager or the assigned executor
        if not held and not is_resident_of(world, author, request):
            raise HttpError(403, "forbidden", "not a participant of this request")
        if body.is_internal and not staff:
            raise HttpError(403, "forbidden", "applicants may not write internal comments")
        comment = CommentRec(
            id=world.next_id("comment", 9001),
            request_number=request.request_number,
            author_user_id=author.id,
            comment_type="clarification" if request.status == "clarification" else "comment",
            comment_text=body.comment_text,
            created_at=world.now(),
            is_internal=body.is_internal,
            media_files=list(body.media_files),
        )
        world.comments.append(comment)
        world.events.emit(
            "request.comment_added",
            {"request": view(request), "comment": comment_view(comment)},
            f"comment:{comment.id}",
            "request-service",
        )
        return Reply(comment_view(comment), 201)

    rt.add("GET", "/categories", lambda call: categories_view())
    rt.add("GET", "/requests/pool", pool, query={"executor_user_id"}, paged=True)
    rt.add("POST", "/requests/", create)
    rt.add(
        "GET",
        "/requests/",
        list_requests,
        query={
            "applicant_user_id",
            "executor_user_id",
            "status_group",
            "status",
            "category",
            "sort",
        },
        paged=True,
    )
    rt.add("GET", "/requests/{number}", get, query={"viewer_user_id"})
    rt.add("PATCH", "/requests/{number}/status", change_status)
    rt.add("POST", "/requests/{number}/assign", assign)
    rt.add("POST", "/requests/{number}/claim", claim)
    rt.add("POST", "/requests/{number}/accept", accept)
    rt.add("POST", "/requests/{number}/return", return_request)
    rt.add("GET", "/requests/{number}/comments", comments, query={"include_internal"}, paged=True)
    rt.add("POST", "/requests/{number}/comments", add_comment)
    return rt


def create_app(state: FakeWorld | None = None) -> FakeService:
    """The request fake on ``state`` (a freshly seeded world when omitted)."""
    world = state if state is not None else FakeWorld.seeded()
    return FakeService("request", world, _routes(world))
