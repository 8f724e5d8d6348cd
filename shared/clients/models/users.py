"""user-service answers (docs/contracts.md §4)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from shared.clients.models.common import STAFF_ROLES, AddressType, LinkStatus, Role, UserStatus

__all__ = [
    "AddressRef",
    "Apartment",
    "Building",
    "Invite",
    "InviteConsumed",
    "User",
    "UserAddress",
    "UserAddresses",
    "Yard",
]


class User(msgspec.Struct, frozen=True):
    id: int
    telegram_id: int
    status: UserStatus
    roles: list[Role]
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    language_code: str | None = None
    is_active: bool = True
    active_role: Role | None = None
    specializations: list[str] = []
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_approved(self) -> bool:
        return self.status == "approved"

    @property
    def is_blocked(self) -> bool:
        return self.status == "blocked"

    @property
    def is_staff(self) -> bool:
        return not STAFF_ROLES.isdisjoint(self.roles)


class Yard(msgspec.Struct, frozen=True):
    id: int
    name: str


class Building(msgspec.Struct, frozen=True):
    id: int
    yard_id: int
    address: str


class Apartment(msgspec.Struct, frozen=True):
    id: int
    building_id: int
    apartment_number: str
    entrance: int | None = None
    floor: int | None = None


class UserAddress(msgspec.Struct, frozen=True):
    """One apartment link of a user."""

    apartment_id: int
    apartment_number: str
    building_id: int
    building_address: str
    yard_id: int
    yard_name: str
    status: LinkStatus
    is_owner: bool = False
    requested_at: datetime | None = None
    reviewed_at: datetime | None = None
    admin_comment: str | None = None


class AddressRef(msgspec.Struct, frozen=True):
    """Something a request can be filed against (also embedded in a request)."""

    address_type: AddressType
    address_id: int
    yard_name: str | None = None
    building_address: str | None = None
    apartment_number: str | None = None


class UserAddresses(msgspec.Struct, frozen=True):
    items: list[UserAddress]
    request_addresses: list[AddressRef]


class Invite(msgspec.Struct, frozen=True):
    token: str
    role: Role
    specializations: list[str]
    expires_at: datetime
    created_by: int | None = None
    used_by: int | None = None
    used_at: datetime | None = None


class InviteConsumed(msgspec.Struct, frozen=True):
    user: User
    role: Role
    specializations: list[str] = []
