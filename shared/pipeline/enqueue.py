"""Enqueue for ingest: dedup + per-chat inbox + activation job, one Redis round trip per update.

A result comes back only after Redis has executed the script, so every returned status except
``FULL`` and ``OVER_BUDGET`` means the update is in Redis (``durable``; how durable a Redis write
is depends on its ``appendfsync`` and replication, see docs/pipeline.md).  ``FULL`` means the chat
already holds ``PIPELINE_MAX_PENDING_PER_CHAT`` pending updates and nothing was written: the
receiver must not acknowledge the update (answer 429), so Telegram delivers it again later.
``OVER_BUDGET`` is the same for the whole bot: the pending payloads would pass
``PIPELINE_MAX_PENDING_BYTES``, or Redis is above ``PIPELINE_REDIS_MEMORY_HIGH_WATER`` of its
``maxmemory`` (checked at most once a second with INFO, before any write); the receiver answers
503.  A Redis error (OOM at ``maxmemory`` included: the ingest script is refused as a whole)
propagates: nothing can be claimed about the write, so the receiver must not acknowledge either.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.logs import get_logger
from shared.pipeline import metrics
from shared.pipeline.envelope import Envelope, parse_envelope
from shared.pipeline.keys import Keys
from shared.pipeline.scripts import PipelineScripts, ScriptConfig, parse_ingest, run_batch
from shared.settings import Settings

__all__ = ["EnqueueResult", "EnqueueStatus", "Pipeline"]

log = get_logger(__name__)


class EnqueueStatus(StrEnum):
    QUEUED = "queued"  # appended behind the chat's pending updates; an activation exists
    SCHEDULED = "scheduled"  # appended and a new activation job written for the idle chat
    DUPLICATE = "duplicate"  # this update_id was accepted within the dedup window; not re-added
    FULL = "full"  # the chat's inbox is at its cap; nothing written
    OVER_BUDGET = "over_budget"  # pending bytes or Redis memory at their limit; nothing written


@dataclass(frozen=True, slots=True)
class EnqueueResult:
    status: EnqueueStatus
    update_id: int
    ordering_key: str

    @property
    def accepted(self) -> bool:
        """The update is (or already was) in the pipeline: the receiver may answer 200."""
        return self.status not in (EnqueueStatus.FULL, EnqueueStatus.OVER_BUDGET)

    @property
    def durable(self) -> bool:
        """Redis confirmed the update is stored (now or by an earlier delivery)."""
        return self.accepted


_STATUS = {
    "QUEUED": EnqueueStatus.QUEUED,
    "SCHEDULED": EnqueueStatus.SCHEDULED,
    "DUPLICATE": EnqueueStatus.DUPLICATE,
    "FULL": EnqueueStatus.FULL,
    "OVER": EnqueueStatus.OVER_BUDGET,
}

# Seconds between two INFO reads of the memory guard.
MEMORY_CHECK_INTERVAL = 1.0


class MemoryGuard:
    """Is Redis above the high-water share of its ``maxmemory``?  One INFO a second at most."""

    def __init__(self, redis: Redis, high_water: float) -> None:
        self.redis = redis
        self.high_water = high_water
        self._checked = -MEMORY_CHECK_INTERVAL
        self._over = False

    async def over(self) -> bool:
        if self.high_water <= 0:
            return False
        now = time.monotonic()
        if now - self._checked < MEMORY_CHECK_INTERVAL:
            return self._over
        self._checked = now  # concurrent callers use the last answer meanwhile
        try:
            info = await self.redis.info("memory")
        except RedisError:
            return self._over  # the write itself will tell
        used, limit = int(info.get("used_memory", 0)), int(info.get("maxmemory", 0))
        metrics.REDIS_USED_MEMORY.set(used)
        metrics.REDIS_MAXMEMORY.set(limit)
        over = limit > 0 and used > limit * self.high_water
        if over and not self._over:
            log.warning("redis_memory_high", used_memory=used, maxmemory=limit)
        self._over = over
        return over


class Pipeline:
    """The ingest side of the pipeline for one deployment (key prefix) and bot."""

    def __init__(self, redis: Redis, settings: Settings) -> None:
        self.redis = redis
        self.keys = Keys(settings.redis.key_prefix, settings.telegram.bot_id)
        self.scripts = PipelineScripts(self.keys, ScriptConfig.from_settings(settings))
        # INGEST_REPLICA_ACK: nothing counts as stored until that many replicas have it.
        self.replicas = settings.ingest.replica_ack
        self.replica_timeout_ms = max(1, int(settings.ingest.replica_ack_timeout * 1000))
        self.memory = MemoryGuard(redis, settings.pipeline.redis_memory_high_water)

    def _result(self, env: Envelope, reply: tuple[str, str, bool]) -> EnqueueResult:
        status = _STATUS[reply[0]]
        metrics.ENQUEUED.labels(status=status.value).inc()
        if reply[2]:
            metrics.LATE_ARRIVALS.inc()
            log.info("late_arrival", update_id=env.update_id, ordering_key=env.ordering_key)
        if status is EnqueueStatus.FULL:
            log.warning("chat_inbox_full", update_id=env.update_id, ordering_key=env.ordering_key)
        elif status is EnqueueStatus.OVER_BUDGET:
            log.warning("pipeline_over_budget", update_id=env.update_id)
        return EnqueueResult(status, env.update_id, env.ordering_key)

    def _refused(self, envs: Sequence[Envelope]) -> list[EnqueueResult]:
        return [self._result(env, ("OVER", "", False)) for env in envs]

    async def enqueue(self, raw: bytes) -> EnqueueResult:
        """Store one raw update (one round trip). Raises InvalidUpdate before touching Redis."""
        if self.replicas:
            return (await self.enqueue_many([raw]))[0]
        env = parse_envelope(raw)
        if await self.memory.over():
            return self._refused([env])[0]
        reply = await self.scripts.ingest(self.redis, env.ordering_key, env.update_id, raw)
        return self._result(env, reply)

    async def enqueue_many(
        self, raws: Sequence[bytes], *, chat_cap: bool = True
    ) -> list[EnqueueResult]:
        """Store a batch in one round trip; every element is validated before anything is written.

        Each update is its own atomic step: on a Redis error part of the batch may be stored (a
        redelivery of those is then a DUPLICATE, never a second copy).  ``chat_cap=False`` stores
        past ``PIPELINE_MAX_PENDING_PER_CHAT`` (long polling, where one chat cannot be refused
        alone); the byte budget and the memory guard still apply.
        """
        envs = [parse_envelope(raw) for raw in raws]
        if await self.memory.over():
            return self._refused(envs)
        calls = [
            self.scripts.ingest_call(env.ordering_key, env.update_id, raw, chat_cap=chat_cap)
            for env, raw in zip(envs, raws, strict=True)
        ]
        replies = await run_batch(
            self.redis, calls, replicas=self.replicas, replica_timeout_ms=self.replica_timeout_ms
        )
        return [self._result(env, parse_ingest(r)) for env, r in zip(envs, replies, strict=True)]

    async def ping(self) -> bool:
        """Redis answers (readiness probe)."""
        try:
            return bool(await self.redis.ping())
        except Exception:  # the probe reports, it does not raise
            return False
