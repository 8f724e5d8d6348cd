"""Notifications held back (quiet hours, folding) and their release, in Redis.

Keys (``<p>`` = ``<prefix>:nt:<bot>``)::

    <p>:held:<chat>        HASH    notice key -> notice JSON   (held for this chat; a retried hold
                                                               overwrites, never duplicates)
    <p>:due                ZSET    chat -> when its held notices are due (ms; the earliest wins)
    <p>:last:<chat>:<kind> STRING  "a folded kind was just sent", lives for the fold window
    <p>:unreach:<chat>     STRING  the chat answered 403: skipped until the user writes again

:meth:`HeldStore.release_due` (an arq cron job of the worker, and what tests call with their own
clock) moves each due chat's held notices into its lane as one ``folded`` notification with one
atomic script (``release_held.lua``).
"""

from __future__ import annotations

import time
from typing import Any

from redis.asyncio import Redis

from shared.logs import get_logger
from shared.pipeline.keys import Keys
from shared.pipeline.scripts import LuaScript, PipelineScripts, ScriptConfig, run_batch
from shared.settings import Settings

__all__ = ["UNREACHABLE_TTL", "HeldStore", "unreachable_key"]

log = get_logger(__name__)
# How long a 403 is remembered when the user never writes again.
UNREACHABLE_TTL = 180 * 86400
RELEASE_BATCH = 200


def unreachable_key(key_prefix: str, bot_id: int, chat_id: int) -> str:
    return f"{key_prefix}:nt:{bot_id}:unreach:{chat_id}"


class HeldStore:
    release_script = LuaScript("release_held")

    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.keys = Keys(settings.redis.key_prefix, settings.telegram.bot_id)
        self.scripts = PipelineScripts(self.keys, ScriptConfig.from_settings(settings))
        self.base = f"{settings.redis.key_prefix}:nt:{settings.telegram.bot_id}"
        self.max_pending = settings.pipeline.max_pending_per_chat

    def held_key(self, chat_id: int) -> str:
        return f"{self.base}:held:{chat_id}"

    @property
    def due_key(self) -> str:
        return f"{self.base}:due"

    def last_key(self, chat_id: int, kind: str) -> str:
        return f"{self.base}:last:{chat_id}:{kind}"

    def unreachable_key(self, chat_id: int) -> str:
        return f"{self.base}:unreach:{chat_id}"

    async def hold(self, chat_id: int, items: list[tuple[str, bytes]], due_ms: int) -> None:
        """Keep ``(key, notice)`` pairs until ``due_ms`` (an earlier due time of the chat wins)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.hset(self.held_key(chat_id), mapping=dict(items))
            pipe.zadd(self.due_key, {str(chat_id): due_ms}, lt=True)
            await pipe.execute()

    async def recently_sent(self, chat_id: int, kind: str) -> int:
        """Milliseconds left of the fold window of ``kind`` in this chat (0: none running)."""
        left = int(await self.redis.pttl(self.last_key(chat_id, kind)))
        return max(left, 0)

    async def mark_sent(self, chat_id: int, kind: str, window_ms: int) -> None:
        await self.redis.set(self.last_key(chat_id, kind), "1", px=window_ms)

    async def is_unreachable(self, chat_id: int) -> bool:
        return bool(await self.redis.exists(self.unreachable_key(chat_id)))

    async def mark_unreachable(self, chat_id: int) -> None:
        await self.redis.set(self.unreachable_key(chat_id), "1", ex=UNREACHABLE_TTL)

    def release_call(self, chat_id: int) -> tuple[LuaScript, list[str], list[Any]]:
        ck = f"c{chat_id}"
        keys = [
            *self.scripts.chat_keys(ck),
            f"{self.keys.bot_base}:evseq",
            self.held_key(chat_id),
            self.due_key,
        ]
        args = [*self.scripts.common_args(ck, None), str(chat_id), self.max_pending]
        return self.release_script, keys, args

    async def release_due(self, now_ms: int | None = None) -> int:
        """Release every chat whose held notices are due; the number of notices released."""
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        released = 0
        while True:
            chats = await self.redis.zrangebyscore(
                self.due_key, "-inf", now_ms, start=0, num=RELEASE_BATCH
            )
            if not chats:
                return released
            calls = [self.release_call(int(c)) for c in chats]
            replies = await run_batch(self.redis, calls)
            full = 0
            for reply in replies:
                status = reply[0].decode() if isinstance(reply[0], bytes) else str(reply[0])
                released += int(reply[2])
                full += status == "FULL"
            if released or full:
                log.info("held_notifications_released", notices=released, chats_full=full)
            if len(chats) < RELEASE_BATCH or full == len(chats):
                return released
