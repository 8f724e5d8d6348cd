"""user-service client (docs/contracts.md §4): users, roles, addresses, apartment links, invites.

Writes that the contract marks with an ``Idempotency-Key`` take it as a required keyword
(``upd:<update_id>`` or a natural key, see docs/contracts.md §1.4); ``create`` defaults to the
natural ``user-create:<telegram_id>``.  PUT calls are idempotent by nature and carry no key.
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.clients.base import ServiceClient, query
from shared.clients.models.common import LinkStatus, Page, Role, UserStatus
from shared.clients.models.users import (
    Apartment,
    Building,
    Invite,
    InviteConsumed,
    User,
    UserAddress,
    UserAddresses,
    Yard,
)

__all__ = ["UserClient"]


class UserClient(ServiceClient):
    service = "user"

    async def get_by_telegram(self, telegram_id: int) -> User:
        """U1.  ``ServiceNotFound`` (code ``user_not_found``) for an unknown Telegram user."""
        return await self._call(
            "users.by_telegram", "GET", "/users/by-telegram/{}", telegram_id, result=User
        )

    async def create(
        self,
        telegram_id: int,
        *,
        username: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        language_code: str | None = None,
        idempotency_key: str | None = None,
    ) -> User:
        """U2: a ``pending`` applicant.  ``ServiceConflict`` ``user_exists`` when already there."""
        return await self._call(
            "users.create",
            "POST",
            "/users/",
            result=User,
            body={
                "telegram_id": telegram_id,
                "username": username,
                "first_name": first_name,
                "last_name": last_name,
                "language_code": language_code,
            },
            idempotency_key=idempotency_key or f"user-create:{telegram_id}",
        )

    async def get(self, user_id: int) -> User:
        """U3."""
        return await self._call("users.get", "GET", "/users/{}", user_id, result=User)

    async def update(
        self, user_id: int, *, language_code: str | None = None, phone: str | None = None
    ) -> User:
        """U4: fields left ``None`` stay unchanged.  ``ValidationFailed`` ``invalid_phone``."""
        return await self._call(
            "users.update",
            "PUT",
            "/users/{}",
            user_id,
            result=User,
            body={"language_code": language_code, "phone": phone},
        )

    async def set_language(self, user_id: int, language_code: str) -> User:
        return await self.update(user_id, language_code=language_code)

    async def set_phone(self, user_id: int, phone: str) -> User:
        """``phone`` in E.164 (``+998901234567``)."""
        return await self.update(user_id, phone=phone)

    async def list_users(
        self,
        *,
        status: UserStatus | None = None,
        role: Role | None = None,
        search: str | None = None,
        yard_id: int | None = None,
        building_id: int | None = None,
        specialization: str | None = None,
        page: int = 1,
        size: int = 20,
    ) -> Page[User]:
        """U5: pending oldest first, the others newest first. ``yard_id`` / ``building_id``: users
        with an approved apartment link there; ``specialization``: executors holding it (§10)."""
        return await self._call(
            "users.list",
            "GET",
            "/users/",
            result=Page[User],
            params=query(
                status=status,
                role=role,
                search=search,
                yard_id=yard_id,
                building_id=building_id,
                specialization=specialization,
                page=page,
                size=size,
            ),
        )

    async def set_status(
        self,
        user_id: int,
        status: UserStatus,
        *,
        actor_user_id: int,
        idempotency_key: str,
        reason: str | None = None,
    ) -> User:
        """U6: approve or block (the same status again is a no-op)."""
        return await self._call(
            "users.set_status",
            "PATCH",
            "/users/{}/status",
            user_id,
            result=User,
            body={"status": status, "actor_user_id": actor_user_id, "reason": reason},
            idempotency_key=idempotency_key,
        )

    async def set_roles(self, user_id: int, roles: Sequence[Role], *, actor_user_id: int) -> User:
        """U7."""
        return await self._call(
            "users.set_roles",
            "PUT",
            "/users/{}/roles",
            user_id,
            result=User,
            body={"roles": list(roles), "actor_user_id": actor_user_id},
        )

    async def set_active_role(self, user_id: int, role: Role) -> User:
        """U8.  ``ValidationFailed`` ``role_not_held``."""
        return await self._call(
            "users.set_active_role",
            "PUT",
            "/users/{}/active-role",
            user_id,
            result=User,
            body={"role_key": role},
        )

    async def set_specializations(
        self, user_id: int, specializations: Sequence[str], *, actor_user_id: int
    ) -> User:
        """U9."""
        return await self._call(
            "users.set_specializations",
            "PUT",
            "/users/{}/specializations",
            user_id,
            result=User,
            body={"specializations": list(specializations), "actor_user_id": actor_user_id},
        )

    async def executors(
        self,
        specializations: Sequence[str] = (),
        *,
        status: UserStatus = "approved",
        page: int = 1,
        size: int = 20,
    ) -> Page[User]:
        """U10: executors holding any of ``specializations`` (all when empty)."""
        return await self._call(
            "users.executors",
            "GET",
            "/users/executors",
            result=Page[User],
            params=query(
                specialization=list(specializations) or None, status=status, page=page, size=size
            ),
        )

    async def addresses(self, user_id: int) -> UserAddresses:
        """U11: every apartment link, and the addresses requests may be filed against."""
        return await self._call(
            "users.addresses", "GET", "/users/{}/addresses", user_id, result=UserAddresses
        )

    async def request_apartment(
        self, user_id: int, apartment_id: int, *, idempotency_key: str, is_owner: bool = False
    ) -> UserAddress:
        """U12: a ``pending`` link.  ``ServiceConflict`` ``apartment_link_exists`` carries the
        existing link's status in ``current_status``."""
        return await self._call(
            "users.request_apartment",
            "POST",
            "/users/{}/apartments",
            user_id,
            result=UserAddress,
            body={"apartment_id": apartment_id, "is_owner": is_owner},
            idempotency_key=idempotency_key,
        )

    async def review_apartment(
        self,
        user_id: int,
        apartment_id: int,
        status: LinkStatus,
        *,
        actor_user_id: int,
        idempotency_key: str,
        comment: str | None = None,
    ) -> UserAddress:
        """U13: approve or reject a pending link.  ``ServiceConflict`` ``link_not_pending``."""
        return await self._call(
            "users.review_apartment",
            "PATCH",
            "/users/{}/apartments/{}",
            user_id,
            apartment_id,
            result=UserAddress,
            body={"status": status, "actor_user_id": actor_user_id, "comment": comment},
            idempotency_key=idempotency_key,
        )

    async def yards(self, *, page: int = 1, size: int = 20) -> Page[Yard]:
        """U14."""
        return await self._call(
            "users.yards", "GET", "/yards", result=Page[Yard], params=query(page=page, size=size)
        )

    async def buildings(self, yard_id: int, *, page: int = 1, size: int = 20) -> Page[Building]:
        """U15."""
        return await self._call(
            "users.buildings",
            "GET",
            "/yards/{}/buildings",
            yard_id,
            result=Page[Building],
            params=query(page=page, size=size),
        )

    async def apartments(
        self, building_id: int, *, page: int = 1, size: int = 20
    ) -> Page[Apartment]:
        """U16."""
        return await self._call(
            "users.apartments",
            "GET",
            "/buildings/{}/apartments",
            building_id,
            result=Page[Apartment],
            params=query(page=page, size=size),
        )

    async def create_invite(
        self,
        role: Role,
        specializations: Sequence[str] = (),
        *,
        actor_user_id: int,
        idempotency_key: str,
        expires_in_hours: int | None = None,
    ) -> Invite:
        """U17.  ``ValidationFailed`` ``specialization_required`` for an executor without one."""
        return await self._call(
            "users.create_invite",
            "POST",
            "/invites",
            result=Invite,
            body={
                "role": role,
                "specializations": list(specializations),
                "expires_in_hours": expires_in_hours,
                "actor_user_id": actor_user_id,
            },
            idempotency_key=idempotency_key,
        )

    async def get_invite(self, token: str) -> Invite:
        """U18.  ``ServiceNotFound`` ``invite_invalid``; ``Gone`` ``invite_expired`` / ``_used``."""
        return await self._call("users.get_invite", "GET", "/invites/{}", token, result=Invite)

    async def consume_invite(
        self, token: str, user_id: int, *, idempotency_key: str
    ) -> InviteConsumed:
        """U19: adds the role (and specializations) and makes it the active role."""
        return await self._call(
            "users.consume_invite",
            "POST",
            "/invites/{}/consume",
            token,
            result=InviteConsumed,
            body={"user_id": user_id},
            idempotency_key=idempotency_key,
        )
