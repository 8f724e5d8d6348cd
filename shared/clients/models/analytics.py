"""analytics-service answers (docs/contracts.md §7)."""

from __future__ import annotations

from datetime import date, datetime

import msgspec

__all__ = ["Period", "RequestStats", "Summary", "UserStats"]


class Period(msgspec.Struct, frozen=True):
    start_date: date
    end_date: date
    timezone: str = "Asia/Tashkent"


class RequestStats(msgspec.Struct, frozen=True):
    created: int
    by_status: dict[str, int]
    by_category: dict[str, int]
    by_urgency: dict[str, int]
    avg_rating: float | None = None
    avg_completion_hours: float | None = None


class UserStats(msgspec.Struct, frozen=True):
    total: int
    new_in_period: int
    by_status: dict[str, int]
    by_role: dict[str, int]


class Summary(msgspec.Struct, frozen=True):
    period: Period
    requests: RequestStats
    users: UserStats
    generated_at: datetime
