"""The prefetched FSM copy and the all-or-nothing moving windows, on real Redis."""

from __future__ import annotations

import secrets
import time
from typing import Any
from unittest.mock import ANY

import pytest
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from redis.exceptions import ResponseError

from shared.settings import RateLimitSettings
from workers.bot.core.fsm import PrefetchingRedisStorage, prefetched_fsm
from workers.bot.middlewares.ratelimit import UserRateLimiter


def storage_for(redis, prefix: str) -> PrefetchingRedisStorage:
    builder = DefaultKeyBuilder(prefix=f"{prefix}:fsm", with_bot_id=True)
    return PrefetchingRedisStorage(redis, key_builder=builder, state_ttl=60, data_ttl=60)


async def test_the_updates_fsm_is_served_from_the_copy_and_written_through(
    redis, prefix: str
) -> None:
    storage = storage_for(redis, prefix)
    mine = StorageKey(bot_id=1, chat_id=10, user_id=10)
    other = StorageKey(bot_id=1, chat_id=11, user_id=11)
    await storage.set_state(mine, "form:step1")
    await storage.set_data(mine, {"draft": 1})
    await storage.set_data(other, {"x": 2})

    async with redis.pipeline(transaction=False) as pipe:
        storage.queue_reads(pipe, mine)
        state, data = await pipe.execute()
    token = storage.remember(mine, state, data)
    try:
        # The copy answers (Redis is not asked: a change made behind its back stays unseen).
        await redis.set(storage.key_builder.build(mine, "data"), b'{"draft": 99}')
        assert await storage.get_state(mine) == "form:step1"
        assert await storage.get_data(mine) == {"draft": 1}
        copy = await storage.get_data(mine)
        copy["draft"] = 5  # callers get a fresh dict every time
        assert await storage.get_data(mine) == {"draft": 1}
        # Writes go to Redis (with the TTL) and refresh the copy.
        await storage.update_data(mine, {"step": 2})
        assert await storage.get_data(mine) == {"draft": 1, "step": 2}
        assert (
            await redis.get(storage.key_builder.build(mine, "data")) == b'{"draft": 1, "step": 2}'
        )
        assert 0 < await redis.ttl(storage.key_builder.build(mine, "data")) <= 60
        await storage.set_state(mine, None)
        assert await storage.get_state(mine) is None
        assert await redis.get(storage.key_builder.build(mine, "state")) is None
        # Another key is read from Redis.
        assert await storage.get_data(other) == {"x": 2}
    finally:
        prefetched_fsm.reset(token)
    assert prefetched_fsm.get() is None
    assert await storage.get_data(mine) == {"draft": 1, "step": 2}


async def test_refused_hits_leave_no_trace_in_any_window(redis, prefix: str) -> None:
    settings = RateLimitSettings(messages_per_minute=2, messages_per_hour=3, commands_per_minute=1)
    limiter = UserRateLimiter(redis, settings, key_prefix=prefix, bot_id=1)
    user = secrets.randbelow(10**9)
    assert await limiter.check(user, is_command=False) is None
    assert await limiter.check(user, is_command=True) is None
    refused = await limiter.check(user, is_command=False)
    assert refused is not None and refused[0] == "messages_per_minute"
    assert 55 < refused[1] <= 60
    command = await limiter.check(user, is_command=True)
    assert command is not None and command[0] == "messages_per_minute"
    # Only the two granted hits were recorded: the hour window still has room for one more.
    hour = f"{prefix}:ratelimit:1:{user}:h"
    assert await redis.llen(hour) == 2
    assert await redis.llen(f"{prefix}:ratelimit:1:{user}:c") == 1
    assert 3500 < await redis.ttl(hour) <= 3600


def _prefetcher(redis, prefix: str, settings: RateLimitSettings):
    from workers.bot.core.auth import ProfileCache
    from workers.bot.runtime.prefetch import Prefetcher
    from workers.bot.sessions import SessionStore

    no_db: Any = None  # the touch and the reads need neither the database nor the user service
    sessions = SessionStore(
        redis, no_db, key_prefix=prefix, bot_id=1, ttl=600, batch_size=10, flush_seconds=60
    )
    profiles = ProfileCache(no_db, redis, key_prefix=prefix, ttl=60)
    limiter = UserRateLimiter(redis, settings, key_prefix=prefix, bot_id=1)
    return Prefetcher(redis, limiter, sessions, profiles), sessions, profiles


async def test_the_prefetch_script_does_what_the_separate_commands_do(redis, prefix: str) -> None:
    from aiogram.fsm.context import FSMContext

    settings = RateLimitSettings(messages_per_minute=2, messages_per_hour=5, commands_per_minute=1)
    prefetcher, sessions, profiles = _prefetcher(redis, prefix, settings)
    storage = storage_for(redis, prefix)
    user = secrets.randbelow(10**9)
    fsm = FSMContext(storage, StorageKey(bot_id=1, chat_id=user, user_id=user))
    session, marker = sessions.touch_keys(user, user)
    await redis.hset(session, "language", "uz")
    await redis.set(marker, b"1")
    await redis.set(profiles.key(user), b"profile")
    await storage.set_state(fsm.key, "form:step")
    await storage.set_data(fsm.key, {"draft": 1})

    limit, language, profile, state, data = await prefetcher._execute(
        (user, True), user, user, True, fsm
    )
    assert limit == [] and language == b"uz" and profile == b"profile"
    assert state == b"form:step" and data == b'{"draft": 1}'
    assert await redis.exists(marker) == 0
    assert 590 < await redis.ttl(session) <= 600
    assert abs(int(await redis.hget(session, "seen")) - time.time()) < 5
    windows = [f"{prefix}:ratelimit:1:{user}:{s}" for s in "mhc"]
    assert [await redis.llen(w) for w in windows] == [1, 1, 1]
    # Refused: nothing recorded, the other reads and the touch as usual; no FSM, no profile.
    refused, language, profile, state, data = await prefetcher._execute(
        (user, True), user, user, False, None
    )
    assert prefetcher.limiter.result(refused, True) == ("commands_per_minute", ANY)
    assert (language, profile, state, data) == (b"uz", None, None, None)
    assert [await redis.llen(w) for w in windows] == [1, 1, 1]
    # Without a limit check (and a fresh session): only the touch.
    other = user + 1
    assert await prefetcher._execute(None, other, other, False, None) == [None] * 5
    assert await redis.hget(sessions.key(other, other), "seen") is not None


async def test_a_wrong_typed_key_fails_as_its_own_command_and_counts_once(
    redis, prefix: str
) -> None:
    settings = RateLimitSettings(messages_per_minute=5, messages_per_hour=5, commands_per_minute=5)
    prefetcher, _, profiles = _prefetcher(redis, prefix, settings)
    user = secrets.randbelow(10**9)
    await redis.rpush(profiles.key(user), b"not a string")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        await prefetcher._execute((user, False), user, user, True, None)
    # The script wrote nothing; the separate commands recorded the hit once.
    assert await redis.llen(f"{prefix}:ratelimit:1:{user}:m") == 1
