"""user.status_changed drops the user's cached profile and tokens: a block takes effect at their
next update, not when the profile cache (≤ 5 s) expires."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from devkit.fakes.seed import MANAGER
from tests.notifications.support import service
from tests.replay_plugin import Replay
from workers.bot.core.texts import ACCESS_BLOCKED

pytestmark = pytest.mark.replay(events=True)


async def test_a_block_reaches_access_decisions_through_the_event(
    replay: Replay, redis: Redis
) -> None:
    await replay.start()
    manager = replay.user(MANAGER.telegram_id, "Manager")
    assert "/users" not in (await replay.command(manager, "users")).text  # the list, not a refusal
    prefix = replay.settings.redis.key_prefix
    profile_key = f"{prefix}:profile:{MANAGER.telegram_id}"
    tokens_key = f"{prefix}:svc:tokens:{MANAGER.telegram_id}"
    assert await redis.exists(profile_key) == 1
    # Make the cache outlive the test: only the event can clear it now.
    await redis.expire(profile_key, 3600)
    await redis.hset(tokens_key, "access", "cached")  # type: ignore[misc]
    await service(
        replay,
        "user",
        "PATCH",
        f"/users/{MANAGER.id}/status",
        {"status": "blocked", "actor_user_id": 1},
    )
    await replay.settle()
    assert await redis.exists(profile_key) == 0
    assert await redis.exists(tokens_key) == 0
    turn = await replay.command(manager, "users")
    assert turn.text == ACCESS_BLOCKED
