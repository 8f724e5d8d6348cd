"""Outgoing pacing shared by every worker: Telegram's sending limits as Redis moving windows.

Telegram documents roughly 1 message/s per chat (short bursts allowed), 20 messages/min per group
and 30 messages/s overall. Each limit is a ``limits`` moving window in Redis (one Lua call per
check), so all worker processes draw from the same budget. A send takes its chat's slot first,
then a global one; when a window is full it sleeps until the window's oldest entry expires. A wait
longer than the cap is not done in the worker: it raises :class:`~shared.errors.RetryAfter`, and
the pipeline parks the chat without using up an attempt.

Rejected checks leave no entry behind (the moving window records only granted hits), so a waiting
sender does not push its own window further out.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final

from limits import RateLimitItem, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import Redis

from shared.errors import RetryAfter
from workers.bot.metrics.prom import PACING_WAIT

__all__ = ["PACED_METHODS", "Pacer", "PacingLimits", "create_limits_storage", "parse_pace"]

# Methods that put a message into a chat. answerCallbackQuery and the like are never delayed:
# a callback must be answered within seconds, and Telegram does not count it as a message.
PACED_METHODS: Final = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendVideo",
        "sendDocument",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendMediaGroup",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "sendDice",
        "sendVenue",
        "sendVideoNote",
        "copyMessage",
        "copyMessages",
        "forwardMessage",
        "forwardMessages",
        "editMessageText",
        "editMessageCaption",
        "editMessageMedia",
        "editMessageReplyMarkup",
    }
)
_OFF: Final = frozenset({"", "off", "none", "0"})


def parse_pace(value: str) -> RateLimitItem | None:
    """``"30 per second"`` → a limit; ``""`` or ``"off"`` → no limit."""
    return None if value.strip().lower() in _OFF else parse(value)


@dataclass(frozen=True, slots=True)
class PacingLimits:
    private: RateLimitItem | None
    group: RateLimitItem | None
    global_: RateLimitItem | None


def create_limits_storage(redis: Redis, key_prefix: str) -> RedisStorage:
    """A ``limits`` storage on the worker's own connection pool; keys start with ``key_prefix``."""
    options: dict[str, Any] = {"connection_pool": redis.connection_pool}
    return RedisStorage(
        "async+redis://", implementation="redispy", key_prefix=f"{key_prefix}:limits", **options
    )


class Pacer:
    """Waits until a send to ``chat_id`` fits the per-chat and global windows."""

    def __init__(
        self,
        storage: RedisStorage,
        limits: PacingLimits,
        *,
        bot_id: int,
        cap: float,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._limits = limits
        self._bot = str(bot_id)
        self._cap = cap
        self._sleep = sleep

    async def acquire(self, chat_id: int | str) -> None:
        # User ids (private chats) are positive; groups, supergroups and channels are negative
        # or an @username.
        private = isinstance(chat_id, int) and chat_id > 0
        per_chat = self._limits.private if private else self._limits.group
        if per_chat is not None:
            await self._take(per_chat, "private" if private else "group", "chat", str(chat_id))
        if self._limits.global_ is not None:
            await self._take(self._limits.global_, "global", "global")

    async def _take(self, item: RateLimitItem, scope: str, *identifiers: str) -> None:
        started = time.monotonic()
        waited = False
        while not await self._limiter.hit(item, self._bot, *identifiers):
            stats = await self._limiter.get_window_stats(item, self._bot, *identifiers)
            delay = max(stats.reset_time - time.time(), 0.005)
            elapsed = time.monotonic() - started
            if elapsed + delay > self._cap:
                raise RetryAfter(delay, f"outgoing {scope} limit full")
            waited = True
            await self._sleep(delay)
        if waited:
            PACING_WAIT.labels(scope).observe(time.monotonic() - started)
