"""Events into Redis: one atomic script per batch (dedup + lanes), and notifications into chats.

Keys, next to the pipeline's (:mod:`shared.pipeline.keys`)::

    <prefix>:tg:<bot>:evseq            STRING  ids: event-lane items > 0, notifications < 0
    <prefix>:ev:<bot>:id:<event_id>    STRING  the dedup mark of one event, EVENTS_DEDUP_TTL

An event lane (ordering key ``ev<n>``) is an ordinary pipeline chat: its items are drained, leased,
retried and dead-lettered like updates, and ``queue stats`` / ``dlq`` show them. The handler of an
event resolves its recipients and appends one notification per recipient to the recipient's chat
lane with :meth:`EventStore.notify_calls` (keyed by event id and recipient, so a retried fan-out
never adds a second copy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from shared.events.model import Event, lane_of, subject_of
from shared.pipeline.keys import Keys
from shared.pipeline.scripts import LuaScript, PipelineScripts, ScriptConfig, run_batch
from shared.settings import Settings

__all__ = ["EventStore", "LanesFull", "NotifyResult", "StoreResult"]


class LanesFull(Exception):
    """An event lane is at its cap: nothing of the batch was written (answer 503)."""


@dataclass(frozen=True, slots=True)
class StoreResult:
    accepted: int
    duplicates: int


@dataclass(frozen=True, slots=True)
class NotifyResult:
    status: str  # QUEUED | SCHEDULED | DUPLICATE | FULL
    uid: int
    # The item of the chat's inbox it was placed right behind (None: the inbox was empty).
    behind: int | None = None


def _s(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


class EventStore:
    events_script = LuaScript("events")
    notify_script = LuaScript("notify")

    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.keys = Keys(settings.redis.key_prefix, settings.telegram.bot_id)
        self.scripts = PipelineScripts(self.keys, ScriptConfig.from_settings(settings))
        self.lanes = settings.events.lanes
        self.dedup_ttl_ms = settings.events.dedup_ttl * 1000
        self.max_pending = settings.pipeline.max_pending_per_chat

    @property
    def sequence_key(self) -> str:
        return f"{self.keys.bot_base}:evseq"

    def dedup_key(self, event_id: str) -> str:
        return f"{self.keys.prefix}:ev:{self.keys.bot_id}:id:{event_id}"

    def lane(self, event: Event) -> str:
        return lane_of(subject_of(event.type, event.payload), self.lanes)

    async def store(self, events: Sequence[Event], now: int | None = None) -> StoreResult:
        """Make every event durable (or find it already stored), all in one atomic step."""
        if not events:
            return StoreResult(0, 0)
        lanes = [self.lane(e) for e in events]
        k = self.keys
        keys = [*k.chat(lanes[0]), k.active, k.dlq, k.queue, k.wake, self.sequence_key]
        args: list[Any] = self.scripts.common_args(lanes[0], now)
        args += [self.max_pending, self.dedup_ttl_ms, len(events)]
        for event, lane in zip(events, lanes, strict=True):
            keys += [*k.chat(lane), self.dedup_key(event.event_id)]
            args += [lane, event.raw]
        reply = await self.events_script(self.redis, keys, args)
        if _s(reply[0]) == "FULL":
            raise LanesFull
        return StoreResult(int(reply[1]), int(reply[2]))

    def notify_call(
        self, chat_id: int, key: str, payload: bytes, now: int | None = None
    ) -> tuple[LuaScript, list[str], list[Any]]:
        ck = f"c{chat_id}"
        keys = [*self.scripts.chat_keys(ck), self.sequence_key]
        args = [*self.scripts.common_args(ck, now), key, payload, self.max_pending]
        return self.notify_script, keys, args

    async def notify_many(
        self, items: Sequence[tuple[int, str, bytes]], now: int | None = None
    ) -> list[NotifyResult]:
        """Append ``(chat_id, key, payload)`` notifications, each its own atomic step."""
        calls = [self.notify_call(chat, key, payload, now) for chat, key, payload in items]
        replies = await run_batch(self.redis, calls)
        return [
            NotifyResult(_s(r[0]), int(r[2]), int(_s(r[3])) if _s(r[3]) else None) for r in replies
        ]
