"""Fake analytics-service (docs/contracts.md §7), counting from the shared world.

Where the contract is silent:
- "Created in the period" uses the Asia/Tashkent business day of ``created_at``; ``by_status``,
  ``by_category`` and ``by_urgency`` describe those same requests by their current values.
- ``avg_rating`` averages the ratings of those requests; ``avg_completion_hours`` the hours from
  creation to ``completed_at`` of those completed; both rounded to one decimal, ``null`` when none.
- A user counts in ``by_role`` once per role held; ``new_in_period`` uses the same day rule.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from devkit.fakes.app import FakeService
from devkit.fakes.catalog import CATEGORY_SPEC, REQUEST_STATUSES, ROLES, URGENCY_RANK
from devkit.fakes.http import Call, HttpError, Router, invalid
from devkit.fakes.state import TASHKENT, FakeWorld

__all__ = ["create_app"]


def _day(value: dt.datetime) -> dt.date:
    return value.astimezone(TASHKENT).date()


def _avg(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _routes(world: FakeWorld) -> Router:
    rt = Router()

    def summary(call: Call) -> dict[str, Any]:
        user = world.users[call.actor_id or 0]
        if not user.is_manager:
            raise HttpError(403, "forbidden", "manager or admin role required")
        end = call.q_date("end_date") or world.clock.today()
        start = call.q_date("start_date") or end - dt.timedelta(days=29)
        if end < start:
            raise invalid("end_date is before start_date")
        if (end - start).days + 1 > 366:
            raise invalid("at most 366 days", "range_too_long")
        requests = [r for r in world.requests.values() if start <= _day(r.created_at) <= end]
        by_status = dict.fromkeys(REQUEST_STATUSES, 0)
        by_category = dict.fromkeys(CATEGORY_SPEC, 0)
        by_urgency = dict.fromkeys(URGENCY_RANK, 0)
        for r in requests:
            by_status[r.status] += 1
            by_category[r.category] += 1
            by_urgency[r.urgency] += 1
        users = list(world.users.values())
        by_user_status = {"pending": 0, "approved": 0, "blocked": 0}
        by_role = dict.fromkeys(ROLES, 0)
        for u in users:
            by_user_status[u.status] = by_user_status.get(u.status, 0) + 1
            for role in u.roles:
                by_role[role] += 1
        return {
            "period": {"start_date": start, "end_date": end, "timezone": "Asia/Tashkent"},
            "requests": {
                "created": len(requests),
                "by_status": by_status,
                "by_category": by_category,
                "by_urgency": by_urgency,
                "avg_rating": _avg([float(r.rating) for r in requests if r.rating is not None]),
                "avg_completion_hours": _avg(
                    [
                        (r.completed_at - r.created_at).total_seconds() / 3600
                        for r in requests
                        if r.completed_at is not None
                    ]
                ),
            },
            "users": {
                "total": len(users),
                "new_in_period": sum(1 for u in users if start <= _day(u.created_at) <= end),
                "by_status": by_user_status,
                "by_role": by_role,
            },
            "generated_at": world.now(),
        }

    rt.add("GET", "/analytics/summary", summary, query={"start_date", "end_date"}, bearer=True)
    return rt


def create_app(state: FakeWorld | None = None) -> FakeService:
    """The analytics fake on ``state`` (a freshly seeded world when omitted)."""
    world = state if state is not None else FakeWorld.seeded()
    return FakeService("analytics", world, _routes(world))
