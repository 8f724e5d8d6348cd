"""The records behind the service fakes: plain mutable dataclasses, one per contract object.

Field names follow docs/contracts.md so that :mod:`devkit.fakes.views` renders them almost verbatim.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

__all__ = [
    "ApartmentLink",
    "ApartmentRec",
    "BuildingRec",
    "CommentRec",
    "InviteRec",
    "RequestRec",
    "SessionRec",
    "ShiftRec",
    "UserRec",
    "YardRec",
]


@dataclass(slots=True)
class UserRec:
    id: int
    telegram_id: int
    created_at: dt.datetime
    updated_at: dt.datetime
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    language_code: str = "ru"
    status: str = "pending"
    is_active: bool = True
    roles: list[str] = field(default_factory=lambda: ["applicant"])
    active_role: str | None = "applicant"
    specializations: list[str] = field(default_factory=list)

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    @property
    def is_manager(self) -> bool:
        """Manager rights: an approved manager or admin."""
        return self.approved and ("manager" in self.roles or "admin" in self.roles)

    @property
    def is_admin(self) -> bool:
        return self.approved and "admin" in self.roles


@dataclass(slots=True)
class YardRec:
    id: int
    name: str
    is_active: bool = True


@dataclass(slots=True)
class BuildingRec:
    id: int
    yard_id: int
    address: str


@dataclass(slots=True)
class ApartmentRec:
    id: int
    building_id: int
    apartment_number: str
    entrance: int | None = None
    floor: int | None = None


@dataclass(slots=True)
class ApartmentLink:
    user_id: int
    apartment_id: int
    status: str
    requested_at: dt.datetime
    is_owner: bool = False
    reviewed_at: dt.datetime | None = None
    admin_comment: str | None = None


@dataclass(slots=True)
class InviteRec:
    token: str
    role: str
    specializations: list[str]
    expires_at: dt.datetime
    created_by: int
    created_at: dt.datetime
    used_by: int | None = None
    used_at: dt.datetime | None = None


@dataclass(slots=True)
class RequestRec:
    request_number: str
    category: str
    urgency: str
    description: str
    address_type: str
    address_id: int
    applicant_user_id: int
    created_at: dt.datetime
    updated_at: dt.datetime
    status: str = "new"
    status_version: int = 1
    executor_user_id: int | None = None
    assignment_type: str | None = None
    assigned_group: str | None = None
    media_files: list[str] = field(default_factory=list)
    completion_report: str | None = None
    completion_media: list[str] = field(default_factory=list)
    return_reason: str | None = None
    rating: int | None = None
    acceptance_mode: str = "resident"
    source: str = "bot"
    completed_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None


@dataclass(slots=True)
class CommentRec:
    id: int
    request_number: str
    author_user_id: int | None
    comment_type: str
    comment_text: str
    created_at: dt.datetime
    is_internal: bool = False
    media_files: list[str] = field(default_factory=list)
    old_status: str | None = None
    new_status: str | None = None


@dataclass(slots=True)
class ShiftRec:
    id: int
    planned_start_time: dt.datetime
    planned_end_time: dt.datetime
    specialization_focus: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime
    executor_user_id: int | None = None
    status: str = "planned"
    shift_type: str = "regular"
    start_time: dt.datetime | None = None
    end_time: dt.datetime | None = None
    location: str | None = None
    max_requests: int = 10
    current_request_count: int = 0
    completed_requests: int = 0
    notes: str | None = None


@dataclass(slots=True)
class SessionRec:
    session_id: str
    user_id: int
    expires_at: dt.datetime
    refresh_jti: str
    revoked: bool = False
