"""Fake shift-service (docs/contracts.md §6); every call needs the service key and a Bearer token.

Where the contract is silent:
- Date ranges select shifts whose planned window intersects ``[start_date 00:00, end_date+1
  00:00)`` in Asia/Tashkent, so a night shift shows on both days.  ``end_date`` before
  ``start_date`` gives 422 ``validation_error``.
- Manager rights come from the caller's live roles (approved manager or admin), not the JWT claim.
  Applicants may not read schedules (403).  S3 is open to any approved executor or manager.
- S2 ``specialization`` matches a shift whose focus holds it or ``universal``.
- S5 by a manager for another executor needs that executor approved and holding ``executor``
  (422 ``validation_error`` when not).  The overlap check ignores the shift itself.
- S7 by an executor needs the shift to be theirs (403 ``not_your_shift``), by a manager any shift.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from devkit.fakes.app import FakeService
from devkit.fakes.bodies import EndShiftBody, StartShiftBody, TakeShiftBody
from devkit.fakes.catalog import SPECIALIZATIONS
from devkit.fakes.entities import ShiftRec, UserRec
from devkit.fakes.http import Call, HttpError, Router, invalid
from devkit.fakes.state import TASHKENT, FakeWorld
from devkit.fakes.views import page, shift_view

__all__ = ["create_app"]

SHIFT_STATUSES = frozenset({"planned", "active", "paused", "completed", "cancelled"})
START_EARLY = dt.timedelta(minutes=60)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), TASHKENT).astimezone(dt.UTC)


def _range(
    call: Call, world: FakeWorld, ahead: int | None, required: bool = False
) -> tuple[dt.datetime, dt.datetime]:
    start, end = call.q_date("start_date"), call.q_date("end_date")
    if required and (start is None or end is None):
        raise invalid("start_date and end_date are required")
    today = world.clock.today()
    start = start or today
    end = end or start + dt.timedelta(days=ahead or 0)
    if end < start:
        raise invalid("end_date is before start_date")
    if (end - start).days + 1 > 31:
        raise invalid("at most 31 days", "range_too_long")
    return _day_start(start), _day_start(end + dt.timedelta(days=1))


def _focus_matches(shift: ShiftRec, specs: set[str]) -> bool:
    return "universal" in shift.specialization_focus or bool(
        specs & set(shift.specialization_focus)
    )


def _routes(world: FakeWorld) -> Router:  # noqa: C901 - one closure per endpoint
    rt = Router()

    def caller(call: Call) -> UserRec:
        user = world.users[call.actor_id or 0]
        if not user.approved or not user.is_active:
            raise HttpError(403, "user_not_approved")
        if not (user.is_manager or "executor" in user.roles):
            raise HttpError(403, "forbidden", "executor or manager role required")
        return user

    def in_window(s: ShiftRec, lo: dt.datetime, hi: dt.datetime) -> bool:
        return s.planned_start_time < hi and s.planned_end_time > lo

    def by_start(shifts: list[ShiftRec]) -> list[ShiftRec]:
        return sorted(shifts, key=lambda s: (s.planned_start_time, s.id))

    def statuses(call: Call) -> list[str]:
        found = call.q_list("status")
        if any(s not in SHIFT_STATUSES for s in found):
            raise invalid("unknown shift status")
        return found

    def executor_shifts(call: Call) -> dict[str, Any]:
        user = caller(call)
        executor_id = call.params["executor_user_id"]
        if executor_id != user.id and not user.is_manager:
            raise HttpError(403, "forbidden", "executors see only their own shifts")
        if executor_id not in world.users:
            raise HttpError(404, "user_not_found")
        wanted = statuses(call)
        lo, hi = _range(call, world, 7)
        found = [
            s
            for s in world.shifts.values()
            if s.executor_user_id == executor_id
            and in_window(s, lo, hi)
            and (not wanted or s.status in wanted)
        ]
        return {"items": [shift_view(s) for s in by_start(found)]}

    def schedule(call: Call) -> dict[str, Any]:
        executor_id = call.q_int("executor_user_id")
        if call.actor_id is None:
            # The service-only call of §10 (no Bearer): only who is on shift now.
            if call.q("status") != "active":
                raise HttpError(401, "invalid_token")
        elif not (user := caller(call)).is_manager and executor_id != user.id:
            raise HttpError(403, "forbidden", "executors may only ask for their own schedule")
        spec = call.q_choice("specialization", set(SPECIALIZATIONS))
        status = call.q_choice("status", SHIFT_STATUSES)
        lo, hi = _range(call, world, None, required=True)
        found = [
            s
            for s in world.shifts.values()
            if in_window(s, lo, hi)
            and (executor_id is None or s.executor_user_id == executor_id)
            and (spec is None or _focus_matches(s, {spec}))
            and (status is None or s.status == status)
        ]
        return page([shift_view(s) for s in by_start(found)], *call.paging())

    def unassigned(call: Call) -> dict[str, Any]:
        caller(call)
        specs = call.q_list("specialization")
        if any(s not in (*SPECIALIZATIONS, "universal") for s in specs):
            raise invalid("unknown specialization")
        lo, hi = _range(call, world, 14)
        now = world.now()
        found = [
            s
            for s in world.shifts.values()
            if s.status == "planned"
            and s.executor_user_id is None
            and s.planned_end_time > now
            and in_window(s, lo, hi)
            and (not specs or _focus_matches(s, set(specs)))
        ]
        return page([shift_view(s) for s in by_start(found)], *call.paging())

    def find(call: Call) -> ShiftRec:
        shift = world.shifts.get(call.params["shift_id"])
        if shift is None:
            raise HttpError(404, "not_found", "no such shift")
        return shift

    def get(call: Call) -> dict[str, Any]:
        user = caller(call)
        shift = find(call)
        if not user.is_manager and shift.executor_user_id not in (None, user.id):
            raise HttpError(403, "forbidden", "assigned to another executor")
        return shift_view(shift)

    def assign(call: Call) -> dict[str, Any]:
        body = call.body(TakeShiftBody)
        user = caller(call)
        shift = find(call)
        if body.executor_user_id != user.id and not user.is_manager:
            raise HttpError(403, "forbidden", "executors may only take shifts for themselves")
        executor = world.users.get(body.executor_user_id)
        if executor is None or not executor.approved or "executor" not in executor.roles:
            if executor is not None and executor.id == user.id:
                raise HttpError(403, "forbidden", "an approved executor role is required")
            raise invalid("executor_user_id must be an approved executor")
        if shift.executor_user_id == executor.id:
            return shift_view(shift)
        if shift.executor_user_id is not None:
            raise HttpError(409, "shift_taken")
        now = world.now()
        if shift.status != "planned" or shift.planned_end_time <= now:
            raise HttpError(409, "shift_not_available")
        if not _focus_matches(shift, set(executor.specializations)):
            raise invalid("no matching specialization", "specialization_mismatch")
        for other in world.shifts.values():
            if (
                other.id != shift.id
                and other.executor_user_id == executor.id
                and other.status in {"planned", "active"}
                and in_window(other, shift.planned_start_time, shift.planned_end_time)
            ):
                raise invalid(f"overlaps shift {other.id}", "shift_overlap")
        shift.executor_user_id = executor.id
        shift.notes = body.notes if body.notes is not None else shift.notes
        shift.updated_at = now
        world.events.emit(
            "shift.assigned",
            {"shift": shift_view(shift)},
            f"shift:{shift.id}:assigned:{executor.id}",
            "shift-service",
        )
        return shift_view(shift)

    def start(call: Call) -> dict[str, Any]:
        call.body(StartShiftBody)
        user = caller(call)
        shift = find(call)
        if shift.executor_user_id != user.id:
            raise HttpError(403, "not_your_shift")
        if shift.status != "planned":
            raise HttpError(409, "shift_not_planned")
        now = world.now()
        if not shift.planned_start_time - START_EARLY <= now <= shift.planned_end_time:
            raise invalid("outside the shift's window", "outside_shift_window")
        shift.status, shift.start_time, shift.updated_at = "active", now, now
        return shift_view(shift)

    def end(call: Call) -> dict[str, Any]:
        body = call.body(EndShiftBody)
        user = caller(call)
        shift = find(call)
        if shift.executor_user_id != user.id and not user.is_manager:
            raise HttpError(403, "not_your_shift")
        if shift.status != "active":
            raise HttpError(409, "shift_not_active")
        now = world.now()
        shift.status, shift.end_time, shift.updated_at = "completed", now, now
        if body.notes is not None:
            shift.notes = body.notes
        return shift_view(shift)

    dates = {"start_date", "end_date"}
    rt.add(
        "GET",
        "/shifts/executor/{executor_user_id:int}",
        executor_shifts,
        query={"status", *dates},
        bearer=True,
    )
    rt.add(
        "GET",
        "/shifts/unassigned",
        unassigned,
        query={"specialization", *dates},
        paged=True,
        bearer=True,
    )
    rt.add(
        "GET",
        "/shifts/",
        schedule,
        query={"executor_user_id", "specialization", "status", *dates},
        paged=True,
        bearer=True,
        service_only=True,
    )
    rt.add("GET", "/shifts/{shift_id:int}", get, bearer=True)
    rt.add("POST", "/shifts/{shift_id:int}/assign", assign, bearer=True)
    rt.add("POST", "/shifts/{shift_id:int}/start", start, bearer=True)
    rt.add("POST", "/shifts/{shift_id:int}/end", end, bearer=True)
    return rt


def create_app(state: FakeWorld | None = None) -> FakeService:
    """The shift fake on ``state`` (a freshly seeded world when omitted)."""
    world = state if state is not None else FakeWorld.seeded()
    return FakeService("shift", world, _routes(world))
