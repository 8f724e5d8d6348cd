"""Typed shapes of the services' answers (msgspec Structs); unknown fields are ignored."""

from shared.clients.models.analytics import Period, RequestStats, Summary, UserStats
from shared.clients.models.auth import AuthResponse, Me, PermissionCheck, Tokens
from shared.clients.models.common import (
    AcceptanceMode,
    AddressType,
    AssignmentType,
    LinkStatus,
    Page,
    RequestStatus,
    Role,
    ShiftStatus,
    StatusGroup,
    Urgency,
    UserStatus,
)
from shared.clients.models.requests import Category, Comment, Request
from shared.clients.models.shifts import Shift
from shared.clients.models.users import (
    AddressRef,
    Apartment,
    Building,
    Invite,
    InviteConsumed,
    User,
    UserAddress,
    UserAddresses,
    Yard,
)

__all__ = [
    "AcceptanceMode",
    "AddressRef",
    "AddressType",
    "Apartment",
    "AssignmentType",
    "AuthResponse",
    "Building",
    "Category",
    "Comment",
    "Invite",
    "InviteConsumed",
    "LinkStatus",
    "Me",
    "Page",
    "Period",
    "PermissionCheck",
    "Request",
    "RequestStats",
    "RequestStatus",
    "Role",
    "Shift",
    "ShiftStatus",
    "StatusGroup",
    "Summary",
    "Tokens",
    "Urgency",
    "User",
    "UserAddress",
    "UserAddresses",
    "UserStats",
    "UserStatus",
    "Yard",
]
