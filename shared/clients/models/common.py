"""Shapes shared by every service: the page envelope, the error body and the enumerations."""

from __future__ import annotations

from typing import Final, Generic, Literal, TypeVar

import msgspec

__all__ = [
    "STAFF_ROLES",
    "AcceptanceMode",
    "AddressType",
    "AssignmentType",
    "Category",
    "ErrorBody",
    "LinkStatus",
    "Page",
    "RequestStatus",
    "Role",
    "ShiftStatus",
    "Specialization",
    "StatusGroup",
    "Urgency",
    "UserStatus",
]

T = TypeVar("T")

Role = Literal["applicant", "executor", "manager", "admin"]
UserStatus = Literal["pending", "approved", "blocked"]
LinkStatus = Literal["pending", "approved", "rejected"]
AddressType = Literal["apartment", "building", "yard"]
RequestStatus = Literal[
    "new",
    "in_progress",
    "purchase",
    "clarification",
    "done",
    "confirmed",
    "returned",
    "accepted",
    "cancelled",
]
StatusGroup = Literal["active", "archive", "all"]
Urgency = Literal["low", "medium", "high", "critical"]
AssignmentType = Literal["group", "individual"]
AcceptanceMode = Literal["resident", "manager"]
ShiftStatus = Literal["planned", "active", "paused", "completed", "cancelled"]
# The documented values of fields the models keep as ``str`` (a value the services add later
# must still decode): the bot's vocabulary, ``workers.bot.core.vocabulary``, is derived from these.
Category = Literal[
    "electricity",
    "plumbing",
    "heating",
    "elevator",
    "cleaning",
    "landscaping",
    "security",
    "internet",
    "repair",
    "ventilation",
    "other",
]
Specialization = Literal[
    "electrician",
    "plumber",
    "heating",
    "ventilation",
    "elevator",
    "cleaning",
    "security",
    "landscaping",
    "repair",
]
# The roles that run the property: managers and admins.
STAFF_ROLES: Final[frozenset[str]] = frozenset({"manager", "admin"})


class Page(msgspec.Struct, Generic[T], frozen=True):
    items: list[T]
    total: int
    page: int
    size: int
    pages: int


class ErrorBody(msgspec.Struct, frozen=True):
    """An error answer; ``detail`` is text or, from a validator, a list of problems."""

    detail: str | list[object] | None = None
    code: str | None = None
    status: str | None = None
    status_version: int | None = None
