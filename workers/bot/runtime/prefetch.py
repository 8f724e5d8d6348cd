"""One Redis round trip, before dispatch, for what every update reads.

The rate-limit check (its Lua script), the session touch (saved language, activity, TTL), the
cached profile and the update's FSM state and data are independent reads, so they travel in one
pipeline sent before the dispatcher runs — before aiogram's FSM middleware, which reads the state
first. Each middleware then takes its own result from ``data["prefetched"]`` and interprets it
exactly as if it had read it itself (and reads it itself when the entry is absent); the FSM copy
goes to :mod:`workers.bot.core.fsm`. A throttled update has paid for the other reads too; that is
one round trip either way.

Measured with ``python -m bench.worker``: six round trips per update become two (this one and
the handler's FSM write).
"""

from __future__ import annotations

from contextvars import Token
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import Update
from redis.asyncio import Redis
from redis.exceptions import NoScriptError

from workers.bot.core.auth import ProfileCache
from workers.bot.core.fsm import PrefetchingRedisStorage
from workers.bot.middlewares.ratelimit import UserRateLimiter, limited_event
from workers.bot.sessions import SessionStore

__all__ = ["Prefetched", "Prefetcher"]


@dataclass(slots=True)
class Prefetched:
    limit_checked: bool
    limit: Any
    session: list[Any]
    profile_read: bool
    profile: bytes | None
    fsm_token: Token[Any] | None = None


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
        if not isinstance(storage, PrefetchingRedisStorage):
            fsm = None
        limited = limited_event(update)
        results = await self._execute(limited, chat_id, user.id, not user.is_bot, fsm)
        limit = results.pop(0) if limited is not None else None
        touched = self.sessions.TOUCH_COMMANDS
        session, rest = results[:touched], results[touched:]
        profile = rest.pop(0) if not user.is_bot else None
        token = None
        if fsm is not None and isinstance(storage, PrefetchingRedisStorage):
            token = storage.remember(fsm.key, rest[0], rest[1])
        return Prefetched(
            limit_checked=limited is not None,
            limit=limit,
            session=session,
            profile_read=not user.is_bot,
            profile=profile,
            fsm_token=token,
        )

    async def _execute(
        self,
        limited: tuple[int, bool] | None,
        chat_id: int,
        user_id: int,
        with_profile: bool,
        fsm: FSMContext | None,
    ) -> list[Any]:
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
        return results
