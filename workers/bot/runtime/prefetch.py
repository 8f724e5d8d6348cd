"""One Redis command, before dispatch, for what every update reads and touches.

The rate-limit check, the session touch (saved language, activity, TTL, and the chat's
"unreachable" marker cleared: writing again makes the chat reachable), the cached profile and the
update's FSM state and data are independent, so one Lua script (:data:`UPDATE_READS`) does them
all before the dispatcher runs — before aiogram's FSM middleware, which reads the state first.
Each middleware then takes its own result from ``data["prefetched"]`` and interprets it exactly as
if it had read it itself (and reads it itself when the entry is absent); the FSM copy goes to
:mod:`workers.bot.core.fsm`. A throttled update has paid for the other reads too; that is one
command either way.

One command instead of eight: every command costs the client about 7 µs of CPU through the
auto-pipelined connection (:mod:`shared.autopipeline`) however small it is, so the script saves
most of that per update. The script fails before writing anything when a key has the wrong type
(its reads and the windows' checks come before any write), and the update then sends the same
commands one by one, so each fails or succeeds as it did on its own.

Redis Cluster: the script's keys (session, marker, profile, FSM, the windows) are not hash-tagged
into one slot, like the rate-limit script's windows before it; the gateway runs on one Redis
(standalone or Sentinel). Hash-tagging them (:mod:`shared.pipeline.keys` does it for the queue)
would rename every key.

Measured with ``python -m bench.worker``: six round trips per update become two (this one and
the handler's FSM write).
"""

from __future__ import annotations

import time
from contextvars import Token
from dataclasses import dataclass
from typing import Any, Final

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import EventContext, UserContextMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import Update
from redis.asyncio import Redis
from redis.exceptions import NoScriptError, ResponseError

from workers.bot.core.auth import ProfileCache
from workers.bot.core.fsm import PrefetchingRedisStorage
from workers.bot.middlewares.ratelimit import WINDOWS_FUNCTION, UserRateLimiter, limited_event
from workers.bot.sessions import SessionStore

__all__ = ["UPDATE_READS", "Prefetched", "Prefetcher"]

# KEYS: the session hash, the chat's unreachable marker, [the profile], [FSM state, FSM data],
# then the rate-limit windows (none: not checked). ARGV: session TTL, "seen" time, "1" with a
# profile key, "1" with the FSM keys, then each window's limit and seconds.
# Returns {limit check (moving_windows's reply, or nil), saved language, profile, state, data}.
# The reads and the windows' checks come first: a wrong-typed key fails the script before any
# write. The same commands as SessionStore.queue_touch, ProfileCache.queue_get,
# PrefetchingRedisStorage.queue_reads and UserRateLimiter.queue_check: keep them in step.
UPDATE_READS: Final = (
    WINDOWS_FUNCTION
    + """
local language = redis.call('HGET', KEYS[1], 'language')
local n = 3
local profile, state, data, limit = false, false, false, false
if ARGV[3] == '1' then
  profile = redis.call('GET', KEYS[n])
  n = n + 1
end
if ARGV[4] == '1' then
  state = redis.call('GET', KEYS[n])
  data = redis.call('GET', KEYS[n + 1])
  n = n + 2
end
if n <= #KEYS then
  limit = moving_windows(KEYS, n, ARGV, 5)
end
redis.call('HSET', KEYS[1], 'seen', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
return {limit, language, profile, state, data}
"""
)


@dataclass(slots=True)
class Prefetched:
    limit_checked: bool
    limit: Any
    session: list[Any]
    profile_read: bool
    profile: bytes | None
    fsm_token: Token[Any] | None = None
    # What aiogram's user-context and FSM middlewares would resolve again (the gateway
    # middleware takes them from here): the sender and chat, and the update's FSM context.
    event_context: EventContext | None = None
    fsm: FSMContext | None = None


class Prefetcher:
    def __init__(
        self,
        redis: Redis,
        limiter: UserRateLimiter,
        sessions: SessionStore,
        profiles: ProfileCache,
    ) -> None:
        self.redis = redis
        self.limiter = limiter
        self.sessions = sessions
        self.profiles = profiles
        # redis-py's Script loads the source again when Redis lost it (restart, flush).
        self._script = redis.register_script(UPDATE_READS)

    async def read(self, bot: Bot, dp: Dispatcher, update: Update) -> Prefetched | None:
        """The reads for ``update``; ``None`` for updates without a sender (nothing to read).

        The FSM copy stays set in the current context until ``fsm_token`` is reset.
        """
        event = UserContextMiddleware.resolve_event_context(update)
        user = event.user
        if user is None:
            return None
        chat_id = event.chat.id if event.chat is not None else user.id
        fsm = dp.fsm.resolve_context(
            bot,
            chat_id=chat_id,
            user_id=user.id,
            thread_id=event.thread_id,
            business_connection_id=event.business_connection_id,
        )
        storage = fsm.storage if fsm is not None else None
        copied = fsm if isinstance(storage, PrefetchingRedisStorage) else None
        limited = limited_event(update)
        with_profile = not user.is_bot
        limit, language, profile, state, data = await self._execute(
            limited, chat_id, user.id, with_profile, copied
        )
        token = None
        if copied is not None and isinstance(storage, PrefetchingRedisStorage):
            token = storage.remember(copied.key, state, data)
        return Prefetched(
            limit_checked=limited is not None,
            limit=limit,
            session=[language],
            profile_read=with_profile,
            profile=profile,
            fsm_token=token,
            event_context=event,
            fsm=fsm,
        )

    async def _execute(
        self,
        limited: tuple[int, bool] | None,
        chat_id: int,
        user_id: int,
        with_profile: bool,
        fsm: FSMContext | None,
    ) -> list[Any]:
        """``[limit check, saved language, profile, state, data]`` (``None`` where not read)."""
        session, unreachable = self.sessions.touch_keys(chat_id, user_id)
        keys = [session, unreachable]
        args = [str(self.sessions.ttl), str(int(time.time())), "0", "0"]
        if with_profile:
            keys.append(self.profiles.key(user_id))
            args[2] = "1"
        if fsm is not None:
            storage = fsm.storage
            assert isinstance(storage, PrefetchingRedisStorage)
            keys.extend(storage.read_keys(fsm.key))
            args[3] = "1"
        if limited is not None:
            windows, limits = self.limiter.window_args(limited[0], limited[1])
            keys.extend(windows)
            args.extend(limits)
        try:
            reply: list[Any] = await self._script(keys=keys, args=args)
        except ResponseError:
            # A key of the wrong type; nothing was written. As separate commands each fails
            # (or succeeds) on its own, as before the script.
            return await self._separately(limited, chat_id, user_id, with_profile, fsm)
        return reply

    async def _separately(
        self,
        limited: tuple[int, bool] | None,
        chat_id: int,
        user_id: int,
        with_profile: bool,
        fsm: FSMContext | None,
    ) -> list[Any]:
        """:meth:`_execute`'s reply from the commands one by one (in one pipeline)."""
        for _ in range(2):
            async with self.redis.pipeline(transaction=False) as pipe:
                if limited is not None:
                    self.limiter.queue_check(pipe, limited[0], limited[1])
                self.sessions.queue_touch(pipe, chat_id, user_id)
                if with_profile:
                    self.profiles.queue_get(pipe, user_id)
                if fsm is not None:
                    storage = fsm.storage
                    assert isinstance(storage, PrefetchingRedisStorage)
                    storage.queue_reads(pipe, fsm.key)
                results: list[Any] = await pipe.execute(raise_on_error=False)
            if limited is None or not isinstance(results[0], NoScriptError):
                break
            await self.limiter.load_script()  # Redis restarted or flushed its script cache
        for value in results[1:] if limited is not None else results:
            if isinstance(value, Exception):
                raise value
        limit = results.pop(0) if limited is not None else None
        session, rest = (
            results[: self.sessions.TOUCH_COMMANDS],
            results[self.sessions.TOUCH_COMMANDS :],
        )
        profile = rest.pop(0) if with_profile else None
        state, data = rest if fsm is not None else (None, None)
        return [limit, session[0], profile, state, data]
