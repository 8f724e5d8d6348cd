"""What a Bot API method handler gets, and what it may return."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from devkit.fakes.telegram.multipart import Upload
from devkit.fakes.telegram.state import FakeTelegramState

__all__ = ["Answer", "CallContext", "Handler"]


@dataclass(slots=True)
class CallContext:
    state: FakeTelegramState
    method: str
    bot_id: int | None
    params: dict[str, Any]
    uploads: dict[str, Upload]
    # Resolved when the HTTP client goes away (ends a long poll early).
    disconnected: asyncio.Future[None] | None = None
    # Runs a method call carried in a webhook's answer body.
    execute: Callable[[dict[str, Any]], Awaitable[None]] | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """A successful result with the ``description`` some methods add (``setWebhook`` …)."""

    result: Any
    description: str | None = None


Handler = Callable[[CallContext], Awaitable[Any]]
