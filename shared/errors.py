"""The gateway's error tree; the pipeline's retry policy and the clients' callers key on it.

::

    GatewayError
    ├── LeaseLost                 this worker no longer holds the chat (taken over after a stall):
    │                             its outgoing call was dropped; the new holder runs the update
    ├── RetryableError            transient: retry the same update later; the chat's later
    │   │                         updates wait
    │   ├── RetryAfter            the peer said when (Telegram 429 retry_after, HTTP Retry-After);
    │   │                         waiting for it does not use up an attempt
    │   └── ServiceUnavailable    a microservice is down, timing out or its circuit is open
    └── PermanentError            retrying cannot help: a bug, a 4xx, bad data
        ├── InvalidUpdate         bytes that are not a Telegram update (ingest answers 400)
        ├── NotFound
        ├── Conflict
        ├── Forbidden
        └── BadResponse           a peer answered with a shape we do not understand
"""

from __future__ import annotations

import math

__all__ = [
    "BadResponse",
    "Conflict",
    "Forbidden",
    "GatewayError",
    "InvalidUpdate",
    "LeaseLost",
    "NotFound",
    "PermanentError",
    "RetryAfter",
    "RetryableError",
    "ServiceUnavailable",
]


class GatewayError(Exception):
    """Root of every error the gateway raises on purpose."""


class LeaseLost(GatewayError):
    """The chat's lease is gone: a side effect (an outgoing Bot API call) was not made."""


class RetryableError(GatewayError):
    """A transient failure: the same work may succeed later."""


class RetryAfter(RetryableError):
    """Retry no sooner than ``retry_after`` seconds; this wait does not count as an attempt."""

    def __init__(self, retry_after: float, message: str = "") -> None:
        try:
            seconds = float(retry_after)
        except OverflowError:  # an integer beyond a double: as good as never
            seconds = math.inf
        super().__init__(message or f"retry after {seconds:g}s")
        self.retry_after = seconds


class ServiceUnavailable(RetryableError):
    """A microservice cannot be reached, times out, answers 5xx, or its breaker is open."""

    def __init__(self, service: str, message: str = "") -> None:
        super().__init__(message or f"{service} unavailable")
        self.service = service


class PermanentError(GatewayError):
    """Retrying cannot change the outcome."""


class InvalidUpdate(PermanentError):
    """Bytes that are not a Telegram update; ``reason`` is a short metric label."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(PermanentError):
    pass


class Conflict(PermanentError):
    pass


class Forbidden(PermanentError):
    pass


class BadResponse(PermanentError):
    """A peer answered with a status or body the contract does not allow."""
