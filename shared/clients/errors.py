"""Errors raised by the service clients: subclasses of :mod:`shared.errors`, plus the details.

Every class mixes in :class:`ServiceError`, so a caller can read ``service``, ``status`` (HTTP
status, ``None`` when no answer came) and ``code`` (the contract's stable error code, ``None`` when
the service sent none) from any of them.  The worker's failure policy keys on the base classes:

=====================  ============================  =====================================
answer                 raised                        base
=====================  ============================  =====================================
400                    :class:`BadRequest`           PermanentError
401                    :class:`Unauthorized`         PermanentError
403                    :class:`ServiceForbidden`     Forbidden
404                    :class:`ServiceNotFound`      NotFound
409                    :class:`ServiceConflict`      Conflict
409 in progress        :class:`IdempotencyInProgress` RetryableError (retried in the call)
410                    :class:`Gone`                 PermanentError
422                    :class:`ValidationFailed`     PermanentError
429                    :class:`RateLimited`          RetryAfter
5xx, timeout, network  :class:`ServiceFailure`       ServiceUnavailable
breaker open           :class:`CircuitOpen`          ServiceUnavailable
bad body or status     :class:`ServiceBadResponse`   BadResponse
=====================  ============================  =====================================

Messages name the service, the operation, the status and the code only: never a URL (invite tokens
travel in paths), a body or a header.
"""

from __future__ import annotations

from shared.errors import (
    BadResponse,
    Conflict,
    Forbidden,
    NotFound,
    PermanentError,
    RetryableError,
    RetryAfter,
    ServiceUnavailable,
)

__all__ = [
    "BadRequest",
    "CircuitOpen",
    "Gone",
    "IdempotencyInProgress",
    "RateLimited",
    "ServiceBadResponse",
    "ServiceConflict",
    "ServiceError",
    "ServiceFailure",
    "ServiceForbidden",
    "ServiceNotFound",
    "Unauthorized",
    "ValidationFailed",
]


class ServiceError(Exception):
    """Mixin carrying where an error came from; never holds bodies or secrets."""

    service: str
    op: str
    status: int | None
    code: str | None

    def _init_details(self, service: str, op: str, status: int | None, code: str | None) -> str:
        self.service = service
        self.op = op
        self.status = status
        self.code = code
        parts = [f"{service}.{op}", str(status) if status is not None else "no answer"]
        if code:
            parts.append(code)
        return " ".join(parts)


class _PlainServiceError(ServiceError):
    def __init__(
        self, service: str, op: str, status: int | None = None, code: str | None = None
    ) -> None:
        super().__init__(self._init_details(service, op, status, code))


class BadRequest(_PlainServiceError, PermanentError):
    """400: the gateway sent a malformed call (a bug on our side)."""


class Unauthorized(_PlainServiceError, PermanentError):
    """401: ``service_unauthorized`` (our key), ``invalid_token`` (refresh once), login refused."""


class ServiceForbidden(_PlainServiceError, Forbidden):
    """403: the actor may not do this (``forbidden``, ``user_not_approved``, ``not_your_shift``)."""


class ServiceNotFound(_PlainServiceError, NotFound):
    """404: missing, or not visible to the viewer."""


class Gone(_PlainServiceError, PermanentError):
    """410: an invite that was valid once (``invite_expired``, ``invite_used``)."""


class ValidationFailed(_PlainServiceError, PermanentError):
    """422: invalid input or a business rule on it; ``errors`` holds a validator's list, if any."""

    def __init__(
        self,
        service: str,
        op: str,
        status: int | None = 422,
        code: str | None = None,
        errors: list[object] | None = None,
    ) -> None:
        super().__init__(service, op, status, code)
        self.errors = errors or []


class ServiceConflict(_PlainServiceError, Conflict):
    """409: conflicts with the object's state.  ``current_status`` / ``status_version`` come with
    ``version_conflict``; ``current_status`` also names an existing apartment link's status."""

    def __init__(
        self,
        service: str,
        op: str,
        status: int | None = 409,
        code: str | None = None,
        current_status: str | None = None,
        status_version: int | None = None,
    ) -> None:
        super().__init__(service, op, status, code)
        self.current_status = current_status
        self.status_version = status_version


class IdempotencyInProgress(_PlainServiceError, RetryableError):
    """409 ``idempotency_in_progress``: the first call with this key is still running."""


class RateLimited(ServiceError, RetryAfter):
    """429: wait ``retry_after`` seconds."""

    def __init__(self, service: str, op: str, retry_after: float, code: str | None = None) -> None:
        RetryAfter.__init__(self, retry_after, self._init_details(service, op, 429, code))


class ServiceFailure(ServiceError, ServiceUnavailable):
    """5xx, a timeout or a network error; ``reason`` is a short metric label."""

    def __init__(
        self,
        service: str,
        op: str,
        status: int | None = None,
        code: str | None = None,
        reason: str = "error",
        retry_after: float | None = None,
    ) -> None:
        detail = self._init_details(service, op, status, code)
        ServiceUnavailable.__init__(self, service, f"{detail} ({reason})")
        self.reason = reason
        self.retry_after = retry_after


class CircuitOpen(ServiceError, ServiceUnavailable):
    """The service's breaker is open: fail fast without calling it."""

    def __init__(self, service: str, op: str) -> None:
        detail = self._init_details(service, op, None, "circuit_open")
        ServiceUnavailable.__init__(self, service, detail)


class ServiceBadResponse(_PlainServiceError, BadResponse):
    """A status or body the contract does not allow (garbage, wrong shape, unexpected status)."""
