"""shift-service answers (docs/contracts.md §6)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from shared.clients.models.common import ShiftStatus

__all__ = ["Shift"]


class Shift(msgspec.Struct, frozen=True):
    id: int
    status: ShiftStatus
    specialization_focus: list[str]
    planned_start_time: datetime
    planned_end_time: datetime
    executor_user_id: int | None = None
    shift_type: str = "regular"
    start_time: datetime | None = None
    end_time: datetime | None = None
    location: str | None = None
    max_requests: int | None = None
    current_request_count: int = 0
    completed_requests: int = 0
    notes: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
