"""request-service answers (docs/contracts.md §5)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from shared.clients.models.common import (
    AcceptanceMode,
    AssignmentType,
    RequestStatus,
    Urgency,
)
from shared.clients.models.users import AddressRef

__all__ = ["ACTIVE_STATUSES", "ARCHIVE_STATUSES", "Category", "Comment", "Request"]

ACTIVE_STATUSES: frozenset[str] = frozenset(
    {"new", "in_progress", "purchase", "clarification", "done", "confirmed", "returned"}
)
ARCHIVE_STATUSES: frozenset[str] = frozenset({"accepted", "cancelled"})


class Request(msgspec.Struct, frozen=True):
    request_number: str
    status: RequestStatus
    status_version: int
    category: str
    urgency: Urgency
    description: str
    address: AddressRef
    applicant_user_id: int
    created_at: datetime
    executor_user_id: int | None = None
    assignment_type: AssignmentType | None = None
    assigned_group: str | None = None
    media_files: list[str] = []
    completion_report: str | None = None
    completion_media: list[str] = []
    return_reason: str | None = None
    rating: int | None = None
    acceptance_mode: AcceptanceMode = "resident"
    source: str | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    closed_at: datetime | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in ARCHIVE_STATUSES


class Comment(msgspec.Struct, frozen=True):
    id: int
    request_number: str
    comment_type: str
    comment_text: str
    created_at: datetime
    author_user_id: int | None = None
    is_internal: bool = False
    media_files: list[str] = []
    old_status: RequestStatus | None = None
    new_status: RequestStatus | None = None


class Category(msgspec.Struct, frozen=True):
    key: str
    specialization: str
    in_bot_menu: bool
    labels: dict[str, str] = {}

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels.get("ru") or self.key
