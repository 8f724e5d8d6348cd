"""Queue statistics read from Redis: what ``bot-gateway queue stats`` prints and the gauges show.

Reads the active-chat index (one entry per chat with an activation) in chunks, two pipelined round
trips per chunk; idle chats cost nothing.  Lease owner tokens start with the worker id, which is
how in-flight chats are attributed to workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from shared.pipeline.keys import Keys

__all__ = ["QueueStats", "collect_stats", "diagnose", "worker_of_token"]

CHUNK = 500


def worker_of_token(token: str) -> str:
    """Lease tokens are ``<worker id>/<job try>/<nonce>``."""
    return token.split("/", 1)[0]


@dataclass(slots=True)
class QueueStats:
    pending: int = 0
    active_chats: int = 0
    oldest_pending_age_s: float = 0.0
    dlq_size: int = 0
    arq_queue_depth: int = 0
    inflight: dict[str, int] = field(default_factory=dict)
    workers: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "active_chats": self.active_chats,
            "oldest_pending_age_s": round(self.oldest_pending_age_s, 3),
            "dlq_size": self.dlq_size,
            "arq_queue_depth": self.arq_queue_depth,
            "inflight": dict(sorted(self.inflight.items())),
            "workers": dict(sorted(self.workers.items())),
        }


def _s(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


async def _server_ms(redis: Redis) -> int:
    secs, micros = await redis.time()
    return int(secs) * 1000 + int(micros) // 1000


async def collect_stats(redis: Redis, keys: Keys) -> QueueStats:
    stats = QueueStats()
    now = await _server_ms(redis)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.zcard(keys.active)
        pipe.xlen(keys.dlq)
        pipe.zcard(keys.queue)
        stats.active_chats, stats.dlq_size, stats.arq_queue_depth = await pipe.execute()
    oldest: int | None = None
    for start in range(0, stats.active_chats, CHUNK):
        cks = [_s(c) for c in await redis.zrange(keys.active, start, start + CHUNK - 1)]
        async with redis.pipeline(transaction=False) as pipe:
            for ck in cks:
                pipe.zcard(keys.inbox(ck))
                pipe.zrange(keys.inbox(ck), 0, 0)
                pipe.hmget(keys.state(ck), ["owner", "until"])
            rows = await pipe.execute()
        heads: list[tuple[str, str]] = []
        for i, ck in enumerate(cks):
            count, head, (owner, until) = rows[3 * i : 3 * i + 3]
            stats.pending += int(count)
            if head:
                heads.append((ck, _s(head[0])))
            if owner and until and int(until) > now:
                worker = worker_of_token(_s(owner))
                stats.inflight[worker] = stats.inflight.get(worker, 0) + 1
        async with redis.pipeline(transaction=False) as pipe:
            for ck, uid in heads:
                pipe.zscore(f"{keys.chat_base(ck)}:seen", uid)
            for seen in await pipe.execute():
                if seen is not None and (oldest is None or seen < oldest):
                    oldest = int(seen)
    if oldest is not None:
        stats.oldest_pending_age_s = max(0.0, (now - oldest) / 1000)
    health_keys = [_s(k) for k in await redis.zrangebyscore(keys.workers, now, "+inf")]
    if health_keys:
        for key, value in zip(health_keys, await redis.mget(health_keys), strict=True):
            if value is not None:
                stats.workers[key[len(keys.health_prefix) :]] = _s(value)
    return stats


async def _first_key(redis: Redis, pattern: str, budget: int = 50) -> str | None:
    """One key matching ``pattern``, looking at most ``budget`` SCAN pages (an ops command must
    not walk a huge keyspace)."""
    cursor: int = 0
    for _ in range(budget):
        cursor, found = await redis.scan(cursor, match=pattern, count=1000)
        if found:
            return _s(found[0])
        if cursor == 0:
            break
    return None


async def diagnose(redis: Redis, keys: Keys, stats: QueueStats) -> list[str]:
    """What makes a row of zeros untrustworthy: no pipeline data for this prefix and bot (wrong
    ``REDIS_KEY_PREFIX`` or bot token?), or no worker reporting."""
    notes: list[str] = []
    if not (stats.pending or stats.active_chats or stats.dlq_size or stats.workers):
        mine = await _first_key(redis, f"{keys.prefix}:tg:*{keys.bot_id}*")
        if mine is None:
            other = await _first_key(redis, f"{keys.prefix}:tg:*")
            hint = (
                f"; there is data for another bot under this prefix ({other}): "
                "is TELEGRAM_BOT_TOKEN the one ingest uses?"
                if other
                else "; is REDIS_KEY_PREFIX (and REDIS_URL) the one ingest and the workers use?"
            )
            notes.append(
                f"no pipeline data under key prefix {keys.prefix!r} for bot {keys.bot_id}{hint}"
            )
    if not stats.workers:
        notes.append("no worker is reporting: none is running against this Redis, prefix and bot")
    return notes
