"""Request bodies the fakes accept; unknown fields are rejected (422), as docs/contracts.md §1.3
asks."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

__all__ = [
    "AcceptBody",
    "ActiveRoleBody",
    "AssignBody",
    "ClaimBody",
    "CommentBody",
    "ConsumeBody",
    "CreateRequestBody",
    "CreateUserBody",
    "EndShiftBody",
    "InviteBody",
    "LinkBody",
    "LoginBody",
    "PermissionBody",
    "RefreshBody",
    "ReturnBody",
    "ReviewLinkBody",
    "RolesBody",
    "SpecsBody",
    "StartShiftBody",
    "StatusBody",
    "StatusChangeBody",
    "TakeShiftBody",
    "UpdateUserBody",
]

PosInt = Annotated[int, msgspec.Meta(gt=0)]
Role = Literal["applicant", "executor", "manager", "admin"]
Spec = Literal[
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
CategoryKey = Literal[
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
FileId = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
Media = Annotated[list[FileId], msgspec.Meta(max_length=5)]


Text32 = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
Text64 = Annotated[str, msgspec.Meta(max_length=64)]
Text128 = Annotated[str, msgspec.Meta(max_length=128)]
Text500 = Annotated[str, msgspec.Meta(max_length=500)]
Text1000 = Annotated[str, msgspec.Meta(max_length=1000)]
Text2000 = Annotated[str, msgspec.Meta(max_length=2000)]
NonEmpty2000 = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class _Body(msgspec.Struct, forbid_unknown_fields=True):
    pass


class LoginBody(_Body):
    telegram_id: PosInt
    device_info: dict[str, Any] | None = None


class RefreshBody(_Body):
    refresh_token: str


class PermissionBody(_Body):
    user_id: int
    telegram_id: int
    permission_key: str
    resource_id: str | None = None


class CreateUserBody(_Body):
    telegram_id: PosInt
    username: Text64 | None = None
    first_name: Text128 | None = None
    last_name: Text128 | None = None
    language_code: Literal["ru", "uz"] = "ru"


class UpdateUserBody(_Body):
    language_code: Literal["ru", "uz"] | None = None
    phone: str | None = None


class StatusBody(_Body):
    status: Literal["approved", "blocked"]
    actor_user_id: PosInt
    reason: Text500 | None = None


class RolesBody(_Body):
    roles: Annotated[list[Role], msgspec.Meta(min_length=1, max_length=4)]
    actor_user_id: PosInt


class ActiveRoleBody(_Body):
    role_key: str


class SpecsBody(_Body):
    specializations: Annotated[list[Spec], msgspec.Meta(max_length=9)]
    actor_user_id: PosInt


class LinkBody(_Body):
    apartment_id: PosInt
    is_owner: bool = False


class ReviewLinkBody(_Body):
    status: Literal["approved", "rejected"]
    actor_user_id: PosInt
    comment: Text500 | None = None


class InviteBody(_Body):
    role: Literal["applicant", "executor", "manager"]
    actor_user_id: PosInt
    specializations: list[Spec] = []
    expires_in_hours: Annotated[int, msgspec.Meta(ge=1, le=168)] = 24


class ConsumeBody(_Body):
    user_id: PosInt


class CreateRequestBody(_Body):
    applicant_user_id: PosInt
    category: CategoryKey
    address_type: Literal["apartment", "building", "yard"]
    address_id: PosInt
    description: str
    urgency: Literal["low", "medium", "high", "critical"] = "low"
    media_files: Media = []
    source: Text32 = "bot"


class StatusChangeBody(_Body):
    status: RequestStatus
    status_version: PosInt
    actor_user_id: PosInt
    comment: Text2000 | None = None
    media_files: Media | None = None


class AssignBody(_Body):
    assignment_type: Literal["group", "individual"]
    status_version: PosInt
    actor_user_id: PosInt
    specialization: Spec | None = None
    executor_user_id: PosInt | None = None


class ClaimBody(_Body):
    actor_user_id: PosInt
    status_version: PosInt


class AcceptBody(_Body):
    actor_user_id: PosInt
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)]
    status_version: PosInt
    comment: Text1000 | None = None


class ReturnBody(_Body):
    actor_user_id: PosInt
    reason: str
    status_version: PosInt
    media_files: Media = []


class CommentBody(_Body):
    author_user_id: PosInt
    comment_text: NonEmpty2000
    is_internal: bool = False
    media_files: Media = []


class TakeShiftBody(_Body):
    executor_user_id: PosInt
    notes: Text500 | None = None


class StartShiftBody(_Body):
    pass


class EndShiftBody(_Body):
    notes: Text500 | None = None
