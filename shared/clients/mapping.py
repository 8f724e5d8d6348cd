"""How an HTTP answer that is not a success becomes an error of :mod:`shared.clients.errors`.

The fakes always send ``{"detail", "code"}``; the existing services often send only ``detail``
(text, or a validator's list), so the status code alone must be enough.  5xx answers are mapped
where they are received (inside the breaker), everything else here.
"""

from __future__ import annotations

import email.utils
import time

import httpx
import msgspec

from shared.clients.errors import (
    BadRequest,
    Gone,
    IdempotencyInProgress,
    RateLimited,
    ServiceBadResponse,
    ServiceConflict,
    ServiceError,
    ServiceForbidden,
    ServiceNotFound,
    Unauthorized,
    ValidationFailed,
)
from shared.clients.models.common import ErrorBody

__all__ = ["error_body", "error_for", "retry_after"]

_ERROR_DECODER = msgspec.json.Decoder(ErrorBody)


def error_body(response: httpx.Response) -> ErrorBody:
    """The error body, or an empty one when the peer sent something else."""
    try:
        return _ERROR_DECODER.decode(response.content)
    except msgspec.MsgspecError:
        return ErrorBody()


def retry_after(response: httpx.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), if any."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_for(service: str, op: str, response: httpx.Response) -> ServiceError:
    """The error for a 4xx answer (or an unexpected status)."""
    status = response.status_code
    body = error_body(response)
    code = body.code
    if status == 400:
        return BadRequest(service, op, status, code)
    if status == 401:
        return Unauthorized(service, op, status, code)
    if status == 403:
        return ServiceForbidden(service, op, status, code)
    if status == 404:
        return ServiceNotFound(service, op, status, code)
    if status == 409:
        if code == "idempotency_in_progress":
            return IdempotencyInProgress(service, op, status, code)
        return ServiceConflict(
            service,
            op,
            status,
            code,
            current_status=body.status,
            status_version=body.status_version,
        )
    if status == 410:
        return Gone(service, op, status, code)
    if status == 422:
        errors = body.detail if isinstance(body.detail, list) else None
        return ValidationFailed(service, op, status, code or "validation_error", errors)
    if status == 429:
        return RateLimited(service, op, retry_after(response) or 1.0, code)
    return ServiceBadResponse(service, op, status, code or "unexpected_status")
