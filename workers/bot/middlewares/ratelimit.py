"""Per-user incoming rate limit: messages per minute and per hour, commands per minute.

Messages and callback queries count against the message limits; **work commands** also against
the command limit. Each limit is a moving window kept as a Redis list of hit times, shared by every
worker. One Lua script checks all of a user's windows and records the hit in all of them only
when every window has room: a refused update leaves no trace, so a user who keeps typing while
throttled is let through again as soon as a window frees, and the hour budget is not eaten by
messages the minute limit already refused. (The ``limits`` library, used for outgoing pacing,
checks one window per call; doing it in Lua also lets the check run inside the one script that
touches the session and reads the profile and the FSM, see :mod:`workers.bot.runtime.prefetch`.)

What counts as a command (the 5-a-minute window, docs/features.md): a message that *is* a bot
command — ``/name`` (Telegram's ``[A-Za-z0-9_]``, up to 32, optionally ``@bot``) followed by a
space or nothing — naming anything but the navigation commands /start, /help, /menu, /language
and /cancel. Those five cost no service work of their own (or have their own limit, like the join
links of /start), and /cancel and /menu are how a user gets out of a corner: refusing them would
strand the user. Main-menu taps (reply-keyboard texts) and answers typed in a flow's step are
ordinary messages, whatever they say: a user working through the menu is not flooding commands,
and a description that starts with "/" is not a command. All of them still count against the
message windows, which are the flood guard.

Never silence: every refusal says when the user may go on. A refused message gets one notice per
limit window (a Redis key with that window's remaining time remembers it) — the seconds to wait,
or for the hour window the clock time and minutes — which also says the bot does not answer until
then, so the quiet that follows is announced; messages refused after it are dropped unanswered
(answering each would feed the flood). A refused button press is always answered with the time
left: the first as an alert, later ones as a toast, which does not add to the chat.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiogram import BaseMiddleware, Bot
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import NoScriptError

from shared.logs import get_logger
from shared.settings import RateLimitSettings
from workers.bot.core.context import UpdateContext
from workers.bot.core.texts import SLOW_DOWN, SLOW_DOWN_COMMANDS, SLOW_DOWN_LONG
from workers.bot.core.ui.answers import answer_query
from workers.bot.core.ui.dates import local_now
from workers.bot.metrics.prom import UPDATES_THROTTLED
from workers.bot.middlewares.i18n import LocaleResolver

__all__ = [
    "NAVIGATION_COMMANDS",
    "WINDOWS_FUNCTION",
    "RateLimitMiddleware",
    "UserRateLimiter",
    "limited_event",
]

log = get_logger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

# The check of one user's windows, as a Lua function the prefetch's script shares
# (workers.bot.runtime.prefetch): keys[first..] are one list per window, args[arg..] the limit and
# window seconds of each, in order. Returns {} when the hit fits every window (and records it),
# else {window index, seconds until that window frees a slot}; nothing is written then. Time is
# Redis's own, so workers with skewed clocks agree.
WINDOWS_FUNCTION: Final = """
local function moving_windows(keys, first, args, arg)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
  for i = first, #keys do
    local j = arg + 2 * (i - first)
    local limit = tonumber(args[j])
    local window = tonumber(args[j + 1])
    local oldest = redis.call('LINDEX', keys[i], limit - 1)
    if oldest and tonumber(oldest) > now - window then
      return {i - first + 1, string.format('%.3f', tonumber(oldest) + window - now)}
    end
  end
  for i = first, #keys do
    local j = arg + 2 * (i - first)
    local limit = tonumber(args[j])
    redis.call('LPUSH', keys[i], string.format('%.6f', now))
    redis.call('LTRIM', keys[i], 0, limit - 1)
    redis.call('EXPIRE', keys[i], math.ceil(tonumber(args[j + 1])))
  end
  return {}
end
"""
# KEYS: one list per window. ARGV: limit and window seconds for each key, in order.
MOVING_WINDOWS: Final = WINDOWS_FUNCTION + "return moving_windows(KEYS, 1, ARGV, 1)\n"


class UserRateLimiter:
    """Moving windows per user; ``None`` means allowed, else ``(limit name, retry in s)``."""

    def __init__(
        self, redis: Redis, settings: RateLimitSettings, *, key_prefix: str, bot_id: int
    ) -> None:
        self._redis = redis
        self._script = redis.register_script(MOVING_WINDOWS)
        self._prefix = f"{key_prefix}:ratelimit:{bot_id}"
        self._messages = (
            ("messages_per_minute", "m", settings.messages_per_minute, 60),
            ("messages_per_hour", "h", settings.messages_per_hour, 3600),
        )
        self._commands = ("commands_per_minute", "c", settings.commands_per_minute, 60)

    def _windows(self, is_command: bool) -> tuple[tuple[str, str, int, int], ...]:
        return (*self._messages, self._commands) if is_command else self._messages

    def window_args(self, user_id: int, is_command: bool) -> tuple[list[str], list[str]]:
        """The check's keys and arguments (:data:`WINDOWS_FUNCTION`'s ``keys`` and ``args``)."""
        windows = self._windows(is_command)
        keys = [f"{self._prefix}:{user_id}:{suffix}" for _, suffix, _, _ in windows]
        args = [str(value) for _, _, limit, seconds in windows for value in (limit, seconds)]
        return keys, args

    def queue_check(self, pipe: Pipeline, user_id: int, is_command: bool) -> None:
        """Add the check to ``pipe``; pass its result to :meth:`result`."""
        keys, args = self.window_args(user_id, is_command)
        pipe.evalsha(self._script.sha, len(keys), *keys, *args)

    def result(self, raw: Any, is_command: bool) -> tuple[str, float] | None:
        if isinstance(raw, Exception):
            raise raw
        if not raw:
            return None
        index, retry_in = int(raw[0]), float(raw[1])
        return self._windows(is_command)[index - 1][0], max(retry_in, 1.0)

    async def load_script(self) -> None:
        await self._redis.script_load(MOVING_WINDOWS)

    async def check(self, user_id: int, *, is_command: bool) -> tuple[str, float] | None:
        for _ in range(2):
            async with self._redis.pipeline(transaction=False) as pipe:
                self.queue_check(pipe, user_id, is_command)
                (raw,) = await pipe.execute(raise_on_error=False)
            if not isinstance(raw, NoScriptError):
                return self.result(raw, is_command)
            await self.load_script()  # Redis restarted or flushed its script cache
        raise RuntimeError("rate-limit script could not be loaded")

    async def first_warning(self, user_id: int, limit: str, retry_in: float) -> bool:
        """True once per throttled window of ``limit``: whether to send the notice now."""
        suffix = next(s for name, s, _, _ in (*self._messages, self._commands) if name == limit)
        key = f"{self._prefix}:{user_id}:warned:{suffix}"
        return bool(await self._redis.set(key, b"1", nx=True, ex=math.ceil(retry_in)))


# Not counted as commands (see the module's docstring): no work of their own, or the way out.
NAVIGATION_COMMANDS: Final = frozenset({"start", "help", "menu", "language", "cancel"})
_COMMAND: Final = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@\w+)?(?:\s|$)")


def is_work_command(text: str | None) -> bool:
    """Whether ``text`` is a command that counts against the command window."""
    match = _COMMAND.match(text or "")
    return match is not None and match.group(1).lower() not in NAVIGATION_COMMANDS


def limited_event(update: Update) -> tuple[int, bool] | None:
    """``(user_id, is_command)`` for the updates the limit applies to."""
    if update.message is not None and update.message.from_user is not None:
        return update.message.from_user.id, is_work_command(update.message.text)
    if update.callback_query is not None:
        return update.callback_query.from_user.id, False
    return None


def refusal_text(i18n: I18n, locale: str, limit: str, retry_in: float) -> str:
    """When the user may go on, in their language: seconds, or the clock time past a minute."""
    seconds = math.ceil(retry_in)
    if limit == "commands_per_minute":
        return i18n.gettext(SLOW_DOWN_COMMANDS, locale=locale).format(seconds=seconds)
    if seconds <= 90:
        return i18n.gettext(SLOW_DOWN, locale=locale).format(seconds=seconds)
    until = local_now() + dt.timedelta(seconds=seconds)
    return i18n.gettext(SLOW_DOWN_LONG, locale=locale).format(
        time=until.strftime("%H:%M"), minutes=math.ceil(seconds / 60)
    )


class RateLimitMiddleware(BaseMiddleware):
    def __init__(self, limiter: UserRateLimiter, i18n: I18n, resolver: LocaleResolver) -> None:
        self.limiter = limiter
        self.i18n = i18n
        self.resolver = resolver

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if await self.refused(event, data):
            return None
        return await handler(event, data)

    async def refused(self, event: TelegramObject, data: dict[str, Any]) -> bool:
        """Whether the update is over the limit (then counted and answered: it goes no further)."""
        if not isinstance(event, Update) or (limited := limited_event(event)) is None:
            return False
        user_id, is_command = limited
        prefetched = data.get("prefetched")
        if prefetched is not None and prefetched.limit_checked:
            refused = self.limiter.result(prefetched.limit, is_command)
        else:
            refused = await self.limiter.check(user_id, is_command=is_command)
        if refused is None:
            return False
        limit, retry_in = refused
        ctx: UpdateContext = data["update_context"]
        ctx.outcome = "throttled"
        UPDATES_THROTTLED.labels(limit).inc()
        warn = await self.limiter.first_warning(user_id, limit, retry_in)
        log.debug("update_throttled", limit=limit, retry_in=round(retry_in, 1), warned=warn)
        await self._reply(event, data, limit, retry_in, warn)
        return True

    async def _reply(
        self, update: Update, data: dict[str, Any], limit: str, retry_in: float, warn: bool
    ) -> None:
        query: CallbackQuery | None = update.callback_query
        message: Message | None = update.message
        if query is None and (message is None or not warn):
            return  # announced by this window's notice: the bot said it would not answer
        locale, _, _ = await self.resolver.resolve(
            data.get("event_from_user"), data.get("event_chat"), touch=False
        )
        data["update_context"].locale = locale
        text = refusal_text(self.i18n, locale, limit, retry_in)
        if query is not None:
            # Every press is answered with the time left (a toast costs the chat nothing); the
            # first of a window as an alert, so it is read.
            await answer_query(query, text, show_alert=warn)
            return
        assert message is not None
        bot: Bot = data["bot"]
        await bot.send_message(message.chat.id, text)
