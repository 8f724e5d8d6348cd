"""What the runtime learns about one update while it passes the middlewares.

One :class:`UpdateContext` is created per update by the per-update callback and handed to the
dispatcher as ``update_context``. Middlewares fill it in (chat, user, locale, handler, command) and
set ``outcome`` when they stop an update themselves; the callback then reads it for the failure
policy (apology in the user's language), the log line and the metrics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from workers.bot.locales import DEFAULT_LOCALE

__all__ = ["Outcome", "UpdateContext", "UpdateMetaLike"]

Outcome = Literal[
    "handled", "unhandled", "ignored", "left", "throttled", "refused", "failed", "retry", "invalid"
]


class UpdateMetaLike(Protocol):
    """The pipeline's per-delivery facts (``shared.pipeline`` ``UpdateMeta``)."""

    @property
    def update_id(self) -> int: ...
    @property
    def ordering_key(self) -> str: ...
    @property
    def attempt(self) -> int: ...
    @property
    def max_attempts(self) -> int: ...


@dataclass(slots=True)
class UpdateContext:
    update_id: int
    attempt: int = 1
    max_attempts: int = 1
    update_type: str = "unknown"
    chat_id: int | None = None
    chat_type: str | None = None
    user_id: int | None = None
    handler: str | None = None
    command: str | None = None
    callback_prefix: str | None = None
    locale: str = DEFAULT_LOCALE
    # True when the locale is the user's saved choice (not guessed from Telegram's language_code).
    locale_saved: bool = False
    # False when the session cache missed and the saved language is still to be read.
    session_known: bool = True
    outcome: Outcome | None = None
    error: str | None = None
    # Set by the logging middleware, which writes the update's line; a failure before it (while
    # decoding or prefetching) is logged by the per-update callback instead.
    logged: bool = False

    @property
    def last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts
