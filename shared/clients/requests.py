"""request-service client (docs/contracts.md §5): categories, requests, transitions, pool, comments.

Every write carries the caller's ``Idempotency-Key`` (``draft:<draft_id>`` for forms,
``<action>:<number>:<status_version>…`` for one-tap actions, ``upd:<update_id>`` otherwise), so it
is retried safely and a double tap collapses into one call.

A ``409`` after a retry or a double tap is settled as docs/contracts.md §1.6 asks: the request is
read again, and if exactly one transition happened since ``status_version`` and it reached the
wanted state (for a claim: ``in_progress`` with this executor), the call counts as done and that
request is returned.  Otherwise :class:`~shared.clients.errors.ServiceConflict` goes to the
caller, with ``code`` ``version_conflict`` / ``invalid_transition`` / ``already_claimed``.

Actions several users may race on (claim, accept) should put the actor's id into the key
(``claim:<number>:<version>:<user_id>``): the services scope keys by caller service, not by user,
so two executors sending the same key would get ``422 idempotency_key_reused`` instead of
``409 already_claimed``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import msgspec

from shared.clients.base import ServiceClient, query
from shared.clients.errors import ServiceConflict, ServiceError
from shared.clients.models.common import (
    AddressType,
    AssignmentType,
    Page,
    RequestStatus,
    StatusGroup,
    Urgency,
)
from shared.clients.models.requests import Category, Comment, Request

__all__ = ["RequestClient"]


class _Categories(msgspec.Struct, frozen=True):
    items: list[Category]


class RequestClient(ServiceClient):
    service = "request"

    async def categories(self) -> list[Category]:
        """R1: 11 categories, the bot menu's 9 first."""
        page = await self._call("requests.categories", "GET", "/categories", result=_Categories)
        return page.items

    async def create(
        self,
        *,
        applicant_user_id: int,
        category: str,
        address_type: AddressType,
        address_id: int,
        description: str,
        idempotency_key: str,
        urgency: Urgency = "low",
        media_files: Sequence[str] = (),
        source: str = "bot",
    ) -> Request:
        """R2: a ``new`` request addressed to the category's group.

        ``ServiceForbidden`` ``user_not_approved`` / ``forbidden``; ``ValidationFailed``
        ``phone_required`` / ``address_not_linked`` / ``validation_error``.
        """
        return await self._call(
            "requests.create",
            "POST",
            "/requests/",
            result=Request,
            body={
                "applicant_user_id": applicant_user_id,
                "category": category,
                "address_type": address_type,
                "address_id": address_id,
                "description": description,
                "urgency": urgency,
                "media_files": list(media_files),
                "source": source,
            },
            idempotency_key=idempotency_key,
        )

    async def list_requests(
        self,
        *,
        applicant_user_id: int | None = None,
        executor_user_id: int | None = None,
        status_group: StatusGroup | None = None,
        statuses: Sequence[RequestStatus] = (),
        category: str | None = None,
        sort: str | None = None,
        page: int = 1,
        size: int = 20,
    ) -> Page[Request]:
        """R3.  ``sort`` is ``newest`` (default) or ``urgency`` (highest first, then oldest)."""
        return await self._call(
            "requests.list",
            "GET",
            "/requests/",
            result=Page[Request],
            params=query(
                applicant_user_id=applicant_user_id,
                executor_user_id=executor_user_id,
                status_group=status_group,
                status=list(statuses) or None,
                category=category,
                sort=sort,
                page=page,
                size=size,
            ),
        )

    async def pool(self, executor_user_id: int, *, page: int = 1, size: int = 20) -> Page[Request]:
        """R4: unclaimed group requests matching the executor's specializations."""
        return await self._call(
            "requests.pool",
            "GET",
            "/requests/pool",
            result=Page[Request],
            params=query(executor_user_id=executor_user_id, page=page, size=size),
        )

    async def get(self, number: str, *, viewer_user_id: int | None = None) -> Request:
        """R5.  ``ServiceNotFound`` also when the viewer may not see it."""
        return await self._call(
            "requests.get",
            "GET",
            "/requests/{}",
            number,
            result=Request,
            params=query(viewer_user_id=viewer_user_id),
        )

    async def change_status(
        self,
        number: str,
        status: RequestStatus,
        *,
        status_version: int,
        actor_user_id: int,
        idempotency_key: str,
        comment: str | None = None,
        media_files: Sequence[str] = (),
    ) -> Request:
        """R6.  ``ValidationFailed`` ``comment_required`` / ``no_active_shift``."""
        return await self._settled(
            self._call(
                "requests.change_status",
                "PATCH",
                "/requests/{}/status",
                number,
                result=Request,
                body={
                    "status": status,
                    "status_version": status_version,
                    "actor_user_id": actor_user_id,
                    "comment": comment,
                    "media_files": list(media_files) or None,
                },
                idempotency_key=idempotency_key,
            ),
            number,
            actor_user_id,
            lambda r: r.status == status and r.status_version == status_version + 1,
        )

    async def assign(
        self,
        number: str,
        assignment_type: AssignmentType,
        *,
        status_version: int,
        actor_user_id: int,
        idempotency_key: str,
        specialization: str | None = None,
        executor_user_id: int | None = None,
    ) -> Request:
        """R7: to a specialization group, or to one approved executor (→ ``in_progress``)."""

        def landed(r: Request) -> bool:
            if r.status_version != status_version + 1 or r.assignment_type != assignment_type:
                return False
            if assignment_type == "group":
                return r.assigned_group == specialization
            return r.executor_user_id == executor_user_id

        return await self._settled(
            self._call(
                "requests.assign",
                "POST",
                "/requests/{}/assign",
                number,
                result=Request,
                body={
                    "assignment_type": assignment_type,
                    "specialization": specialization,
                    "executor_user_id": executor_user_id,
                    "status_version": status_version,
                    "actor_user_id": actor_user_id,
                },
                idempotency_key=idempotency_key,
            ),
            number,
            actor_user_id,
            landed,
        )

    async def claim(
        self, number: str, *, actor_user_id: int, status_version: int, idempotency_key: str
    ) -> Request:
        """R8: take a group request from the pool.  ``ServiceConflict`` ``already_claimed``;
        ``ValidationFailed`` ``no_active_shift`` / ``specialization_mismatch``."""
        return await self._settled(
            self._call(
                "requests.claim",
                "POST",
                "/requests/{}/claim",
                number,
                result=Request,
                body={"actor_user_id": actor_user_id, "status_version": status_version},
                idempotency_key=idempotency_key,
            ),
            number,
            actor_user_id,
            lambda r: r.status == "in_progress" and r.executor_user_id == actor_user_id,
        )

    async def accept(
        self,
        number: str,
        *,
        actor_user_id: int,
        rating: int,
        status_version: int,
        idempotency_key: str,
        comment: str | None = None,
    ) -> Request:
        """R9: the applicant accepts confirmed work with a rating 1..5."""
        return await self._settled(
            self._call(
                "requests.accept",
                "POST",
                "/requests/{}/accept",
                number,
                result=Request,
                body={
                    "actor_user_id": actor_user_id,
                    "rating": rating,
                    "comment": comment,
                    "status_version": status_version,
                },
                idempotency_key=idempotency_key,
            ),
            number,
            actor_user_id,
            lambda r: r.status == "accepted" and r.status_version == status_version + 1,
        )

    async def return_request(
        self,
        number: str,
        *,
        actor_user_id: int,
        reason: str,
        status_version: int,
        idempotency_key: str,
        media_files: Sequence[str] = (),
    ) -> Request:
        """R10: the applicant rejects confirmed work, with a reason (3..1000)."""
        return await self._settled(
            self._call(
                "requests.return",
                "POST",
                "/requests/{}/return",
                number,
                result=Request,
                body={
                    "actor_user_id": actor_user_id,
                    "reason": reason,
                    "media_files": list(media_files),
                    "status_version": status_version,
                },
                idempotency_key=idempotency_key,
            ),
            number,
            actor_user_id,
            lambda r: r.status == "returned" and r.status_version == status_version + 1,
        )

    async def comments(
        self, number: str, *, include_internal: bool = False, page: int = 1, size: int = 20
    ) -> Page[Comment]:
        """R11, oldest first.  Never pass ``include_internal`` for an applicant."""
        return await self._call(
            "requests.comments",
            "GET",
            "/requests/{}/comments",
            number,
            result=Page[Comment],
            params=query(include_internal=include_internal, page=page, size=size),
        )

    async def add_comment(
        self,
        number: str,
        *,
        author_user_id: int,
        text: str,
        idempotency_key: str,
        is_internal: bool = False,
        media_files: Sequence[str] = (),
    ) -> Comment:
        """R12.  ``ServiceForbidden`` when the author is not a participant."""
        return await self._call(
            "requests.add_comment",
            "POST",
            "/requests/{}/comments",
            number,
            result=Comment,
            body={
                "author_user_id": author_user_id,
                "comment_text": text,
                "is_internal": is_internal,
                "media_files": list(media_files),
            },
            idempotency_key=idempotency_key,
        )

    async def _settled(
        self,
        call: Awaitable[Request],
        number: str,
        actor_user_id: int,
        landed: Callable[[Request], bool],
    ) -> Request:
        try:
            return await call
        except ServiceConflict as exc:
            if exc.code not in {"version_conflict", "invalid_transition", "already_claimed"}:
                raise
            try:
                current = await self.get(number, viewer_user_id=actor_user_id)
            except ServiceError:
                raise exc from None  # the conflict is still the answer to this call
            if landed(current):
                return current
            raise
