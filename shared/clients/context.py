"""The request id that ties a microservice call to the Telegram update that caused it.

The worker binds it once per update (``bind_request_id(f"upd-{update_id}")``); every client
call sends it as ``X-Request-ID`` and logs it.  Outside an update (start-up, CLI) each call gets a
fresh id.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

import structlog

__all__ = ["bind_request_id", "current_request_id", "request_id_scope", "request_id_var"]

request_id_var: ContextVar[str | None] = ContextVar("bot_gateway_request_id", default=None)


def bind_request_id(request_id: str) -> None:
    """Set the id for the rest of the current task and bind it to its log lines."""
    request_id_var.set(request_id)
    structlog.contextvars.bind_contextvars(request_id=request_id)


@contextlib.contextmanager
def request_id_scope(request_id: str) -> Iterator[None]:
    """Use ``request_id`` inside the block only (tests, one-off jobs)."""
    token = request_id_var.set(request_id)
    try:
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            yield
    finally:
        request_id_var.reset(token)


def current_request_id() -> str:
    """The bound id, or a fresh one when no update is being handled."""
    return request_id_var.get() or uuid.uuid4().hex
