"""The failure policy: which handler errors are worth retrying and which are final.

=========================================  ============  ==========================================
error                                      kind          what happens
=========================================  ============  ==========================================
``TelegramRetryAfter``, ``RetryAfter``     retry_after   the pipeline waits ``retry_after`` seconds,
                                                         no attempt used; the chat's later updates
                                                         wait
``RetryableError`` (``ServiceUnavailable``,  transient   raised to the pipeline: retried with
``IdempotencyInProgress``), Bot API 5xx,                 backoff, later updates of the chat wait;
network errors and timeouts, Redis and                   after the last attempt the user is told
PostgreSQL connection errors                             "temporarily unavailable" and the update
                                                         goes to the dead-letter queue
anything else: ``PermanentError`` (4xx,    permanent     a short apology in the user's language,
bad data), Bot API 4xx, bugs                             the traceback logged, counted; the update
                                                         is acknowledged (never retried forever)
=========================================  ============  ==========================================
"""

from __future__ import annotations

from typing import Literal

from aiogram.exceptions import (
    ClientDecodeError,
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from shared.errors import PermanentError, RetryableError, RetryAfter

__all__ = ["FailureKind", "classify", "for_pipeline"]

FailureKind = Literal["retry_after", "transient", "permanent"]

_TRANSIENT: tuple[type[BaseException], ...] = (
    RetryableError,
    TelegramServerError,
    TelegramNetworkError,
    ClientDecodeError,
    RedisConnectionError,
    RedisTimeoutError,
    OperationalError,
    InterfaceError,
    TimeoutError,
    ConnectionError,
)


def classify(exc: BaseException) -> FailureKind:
    if isinstance(exc, TelegramRetryAfter | RetryAfter):
        return "retry_after"
    if isinstance(exc, PermanentError | TelegramEntityTooLarge):
        return "permanent"
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return "transient"
    if isinstance(exc, _TRANSIENT):
        return "transient"
    return "permanent"


def for_pipeline(exc: Exception) -> Exception:
    """The exception to raise to the pipeline for a retryable ``exc``."""
    if isinstance(exc, TelegramRetryAfter):
        error = RetryAfter(exc.retry_after, f"Bot API {exc.method.__api_method__}: 429")
        error.__cause__ = exc
        return error
    return exc
