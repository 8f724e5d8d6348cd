"""shift-service client (docs/contracts.md §6).  Every call is on behalf of a user: pass their
access token (from :class:`~shared.clients.tokens.TokenStore`).

Writes default to the contract's natural keys (``take:<shift_id>``, ``start:<shift_id>``,
``end:<shift_id>``); a double tap on "take" therefore collapses into one call.  A 409 after a
repeated "take" is settled like a request claim: if the shift is now this executor's, it is
returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import msgspec

from shared.clients.base import ServiceClient, query
from shared.clients.errors import ServiceConflict, ServiceError
from shared.clients.models.common import Page, ShiftStatus
from shared.clients.models.shifts import Shift

__all__ = ["ShiftClient"]


class _Shifts(msgspec.Struct, frozen=True):
    items: list[Shift]


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


class ShiftClient(ServiceClient):
    service = "shift"

    async def executor_shifts(
        self,
        token: str,
        executor_user_id: int,
        *,
        statuses: Sequence[ShiftStatus] = (),
        start_date: dt.date | None = None,
        end_date: dt.date | None = None,
    ) -> list[Shift]:
        """S1 ("my shifts"): by planned start; default today..today+7, at most 31 days."""
        result = await self._call(
            "shifts.executor",
            "GET",
            "/shifts/executor/{}",
            executor_user_id,
            result=_Shifts,
            token=token,
            params=query(
                status=list(statuses) or None,
                start_date=_day(start_date),
                end_date=_day(end_date),
            ),
        )
        return result.items

    async def schedule(
        self,
        token: str,
        start_date: dt.date,
        end_date: dt.date,
        *,
        executor_user_id: int | None = None,
        specialization: str | None = None,
        status: ShiftStatus | None = None,
        page: int = 1,
        size: int = 20,
    ) -> Page[Shift]:
        """S2: everyone's schedule (an executor may only ask for themselves)."""
        return await self._call(
            "shifts.schedule",
            "GET",
            "/shifts/",
            result=Page[Shift],
            token=token,
            params=query(
                start_date=_day(start_date),
                end_date=_day(end_date),
                executor_user_id=executor_user_id,
                specialization=specialization,
                status=status,
                page=page,
                size=size,
            ),
        )

    async def on_shift(
        self,
        start_date: dt.date,
        end_date: dt.date,
        *,
        specialization: str | None = None,
        page: int = 1,
        size: int = 100,
    ) -> Page[Shift]:
        """S2 as a service-only call (no Bearer; contracts.md §10): the ``active`` shifts, to find
        the executors on shift for a new request's pool."""
        return await self._call(
            "shifts.on_shift",
            "GET",
            "/shifts/",
            result=Page[Shift],
            params=query(
                start_date=_day(start_date),
                end_date=_day(end_date),
                specialization=specialization,
                status="active",
                page=page,
                size=size,
            ),
        )

    async def available(
        self,
        token: str,
        *,
        specializations: Sequence[str] = (),
        start_date: dt.date | None = None,
        end_date: dt.date | None = None,
        page: int = 1,
        size: int = 20,
    ) -> Page[Shift]:
        """S3: planned shifts without an executor ("take shift"); default 14 days ahead."""
        return await self._call(
            "shifts.available",
            "GET",
            "/shifts/unassigned",
            result=Page[Shift],
            token=token,
            params=query(
                specialization=list(specializations) or None,
                start_date=_day(start_date),
                end_date=_day(end_date),
                page=page,
                size=size,
            ),
        )

    async def get(self, token: str, shift_id: int) -> Shift:
        """S4."""
        return await self._call(
            "shifts.get", "GET", "/shifts/{}", shift_id, result=Shift, token=token
        )

    async def take(
        self,
        token: str,
        shift_id: int,
        executor_user_id: int,
        *,
        notes: str | None = None,
        idempotency_key: str | None = None,
    ) -> Shift:
        """S5 for oneself.  ``ServiceConflict`` ``shift_taken`` / ``shift_not_available``;
        ``ValidationFailed`` ``specialization_mismatch`` / ``shift_overlap``."""
        try:
            return await self._call(
                "shifts.take",
                "POST",
                "/shifts/{}/assign",
                shift_id,
                result=Shift,
                token=token,
                body={"executor_user_id": executor_user_id, "notes": notes},
                idempotency_key=idempotency_key or f"take:{shift_id}",
            )
        except ServiceConflict as exc:
            try:
                current = await self.get(token, shift_id)
            except ServiceError:
                raise exc from None
            if current.executor_user_id == executor_user_id and current.status == "planned":
                return current
            raise

    async def start(
        self, token: str, shift_id: int, *, idempotency_key: str | None = None
    ) -> Shift:
        """S6.  ``ServiceForbidden`` ``not_your_shift``; ``ServiceConflict`` ``shift_not_planned``;
        ``ValidationFailed`` ``outside_shift_window``."""
        return await self._call(
            "shifts.start",
            "POST",
            "/shifts/{}/start",
            shift_id,
            result=Shift,
            token=token,
            body={},
            idempotency_key=idempotency_key or f"start:{shift_id}",
        )

    async def end(
        self,
        token: str,
        shift_id: int,
        *,
        notes: str | None = None,
        idempotency_key: str | None = None,
    ) -> Shift:
        """S7.  ``ServiceConflict`` ``shift_not_active``."""
        return await self._call(
            "shifts.end",
            "POST",
            "/shifts/{}/end",
            shift_id,
            result=Shift,
            token=token,
            body={"notes": notes},
            idempotency_key=idempotency_key or f"end:{shift_id}",
        )
