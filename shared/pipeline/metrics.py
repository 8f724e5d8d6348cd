"""Prometheus metrics of the update pipeline (process-wide default registry).

Counters and histograms are updated where things happen (enqueue, drain, reaper). The queue
gauges describe Redis, not this process: :func:`refresh_queue_gauges` reads them from Redis (call
it before a scrape or on a timer). Labels are bounded: statuses, outcomes, reaper repair kinds
and worker ids; never chat or update ids.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram
from redis.asyncio import Redis

__all__ = [
    "ACTIVATIONS",
    "ACTIVE_CHATS",
    "ARQ_QUEUE_DEPTH",
    "DEAD_LETTERED",
    "DLQ_SIZE",
    "DLQ_TRIMMED",
    "ENQUEUED",
    "FENCED_CALLS",
    "HANDLER_SECONDS",
    "INFLIGHT",
    "LATE_ARRIVALS",
    "LEASES_LOST",
    "LOOP_BLOCKS",
    "OLDEST_PENDING_AGE",
    "PENDING",
    "PENDING_BYTES",
    "QUEUE_WAIT_SECONDS",
    "REAPER_REPAIRS",
    "REDIS_MAXMEMORY",
    "REDIS_USED_MEMORY",
    "UPDATES",
    "refresh_queue_gauges",
]

ENQUEUED = Counter(
    "bot_gateway_pipeline_enqueued",
    "Enqueue calls by result (queued, scheduled, duplicate, full, over_budget).",
    ("status",),
)
LATE_ARRIVALS = Counter(
    "bot_gateway_pipeline_late_arrivals",
    "Updates that arrived after a successor of the same chat had been handled or started.",
)
UPDATES = Counter(
    "bot_gateway_pipeline_updates",
    "Handler runs by outcome: ok, failed (retried), dead_lettered, retry_after, deferred, lost.",
    ("outcome",),
)
DEAD_LETTERED = Counter(
    "bot_gateway_pipeline_dead_lettered",
    "Updates moved to the dead-letter queue.",
)
ACTIVATIONS = Counter(
    "bot_gateway_pipeline_activations",
    "Activation job runs by how the claim went (item, released, stale, busy, wait, handoff).",
    ("result",),
)
LEASES_LOST = Counter(
    "bot_gateway_pipeline_leases_lost",
    "Times a worker found itself fenced out (its lease was taken over) and stopped.",
)
LOOP_BLOCKS = Counter(
    "bot_gateway_pipeline_loop_blocks",
    "Times the watchdog found this worker's event loop blocked past WORKER_BLOCK_LIMIT and "
    "handed its chats over; with_update: whether an update's handler was the one blocking "
    "(it is dead-lettered instead of run again).",
    ("with_update",),
)
FENCED_CALLS = Counter(
    "bot_gateway_pipeline_fenced",
    "Times a fence check found the lease gone: the handler's outgoing call was dropped.",
)
REAPER_REPAIRS = Counter(
    "bot_gateway_pipeline_reaper_repairs",
    "Chats the reaper repaired, by kind (takeover, orphan, ensure, stranded).",
    ("kind",),
)
HANDLER_SECONDS = Histogram(
    "bot_gateway_pipeline_handler_seconds",
    "Time spent in the update handler.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30),
)
QUEUE_WAIT_SECONDS = Histogram(
    "bot_gateway_pipeline_queue_wait_seconds",
    "From the first enqueue of an update to the start of its handler (Redis clock).",
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
PENDING = Gauge("bot_gateway_pipeline_pending", "Updates waiting or in flight, all chats.")
ACTIVE_CHATS = Gauge("bot_gateway_pipeline_active_chats", "Chats with an activation.")
OLDEST_PENDING_AGE = Gauge(
    "bot_gateway_pipeline_oldest_pending_age_seconds",
    "Age of the oldest pending update (0 when none).",
)
DLQ_SIZE = Gauge("bot_gateway_pipeline_dlq_size", "Entries in the dead-letter queue.")
DLQ_TRIMMED = Counter(
    "bot_gateway_pipeline_dlq_trimmed",
    "Oldest dead letters dropped because the DLQ was at PIPELINE_DLQ_MAX_ENTRIES.",
)
PENDING_BYTES = Gauge(
    "bot_gateway_pipeline_pending_bytes",
    "Bytes of update payloads pending in all chats (the PIPELINE_MAX_PENDING_BYTES budget).",
)
REDIS_USED_MEMORY = Gauge("bot_gateway_redis_used_memory_bytes", "Redis INFO used_memory.")
REDIS_MAXMEMORY = Gauge("bot_gateway_redis_maxmemory_bytes", "Redis INFO maxmemory (0 = no limit).")
ARQ_QUEUE_DEPTH = Gauge(
    "bot_gateway_pipeline_arq_queue_depth", "Activation jobs in the arq queue (incl. running)."
)
INFLIGHT = Gauge(
    "bot_gateway_pipeline_inflight",
    "Chats whose lease a worker holds, by worker id.",
    ("worker",),
)


async def refresh_queue_gauges(redis: Redis, prefix: str, bot_id: int) -> None:
    """Set the queue gauges from Redis (reads the active-chat index; no writes)."""
    from shared.pipeline.keys import Keys
    from shared.pipeline.stats import collect_stats

    keys = Keys(prefix, bot_id)
    stats = await collect_stats(redis, keys)
    info = await redis.info("memory")
    REDIS_USED_MEMORY.set(int(info.get("used_memory", 0)))
    REDIS_MAXMEMORY.set(int(info.get("maxmemory", 0)))
    PENDING_BYTES.set(int(await redis.get(keys.pending_bytes) or 0))
    PENDING.set(stats.pending)
    ACTIVE_CHATS.set(stats.active_chats)
    OLDEST_PENDING_AGE.set(stats.oldest_pending_age_s)
    DLQ_SIZE.set(stats.dlq_size)
    ARQ_QUEUE_DEPTH.set(stats.arq_queue_depth)
    INFLIGHT.clear()
    for worker, count in stats.inflight.items():
        INFLIGHT.labels(worker=worker).set(count)
