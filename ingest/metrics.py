"""Prometheus metrics of the receiver.

Each :class:`IngestMetrics` owns a private registry, so several receivers can live in one process
(tests) without clashing in the global one.

Several server processes (``--workers N``) use prometheus-client's multiprocess mode: the command
sets ``PROMETHEUS_MULTIPROC_DIR`` before any worker starts, every process writes its samples to
memory-mapped files there, and ``/metrics`` on whichever process answers aggregates them all. So a
scrape always sees the whole receiver, never one random process. Only counters and histograms are
used, which aggregate by summing and need no clean-up when a process exits.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector

__all__ = ["MULTIPROC_ENV", "REJECT_REASONS", "IngestMetrics"]

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# Every reason a request carrying an update is turned away with a 4xx (the 503 for a Redis
# failure is counted separately: it is not the update's fault).
REJECT_REASONS = (
    "unauthorized",
    "too_large",
    "not_json",
    "not_object",
    "no_update_id",
    "body_timeout",
)
SOURCES = ("webhook", "polling")
STORE_FAILURES = ("redis_timeout", "redis_error", "over_budget")
# Enqueue is one Redis round trip: sub-millisecond normally, the long tail shows contention.
LATENCY_BUCKETS = (
    0.0002,
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
)


class IngestMetrics:
    """The receiver's counters; label children are bound once so the hot path only increments."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        received = Counter(
            "bot_gateway_ingest_updates_received",
            "Valid updates received (before deduplication).",
            ["source"],
            registry=r,
        )
        rejected = Counter(
            "bot_gateway_ingest_updates_rejected",
            "Requests turned away with a 4xx, by reason.",
            ["reason"],
            registry=r,
        )
        duplicates = Counter(
            "bot_gateway_ingest_updates_duplicate",
            "Updates already stored (a redelivery): acknowledged, not queued again.",
            ["source"],
            registry=r,
        )
        full = Counter(
            "bot_gateway_ingest_updates_full",
            "Updates refused because their chat's backlog is full (Telegram redelivers).",
            ["source"],
            registry=r,
        )
        store_failures = Counter(
            "bot_gateway_ingest_store_failures",
            "Updates not stored because Redis failed or was too slow (answered 503).",
            ["reason"],
            registry=r,
        )
        latency = Histogram(
            "bot_gateway_ingest_enqueue_seconds",
            "Time to make an update (webhook) or a batch (polling) durable in Redis.",
            ["source"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._polls = Counter(
            "bot_gateway_ingest_poll_requests",
            "Bot API calls of the poller (getUpdates, deleteWebhook) by outcome.",
            ["method", "outcome"],
            registry=r,
        )
        self.lease_acquired = Counter(
            "bot_gateway_ingest_poller_lease_acquired",
            "Times this process became the active poller.",
            registry=r,
        )
        self._rejected = rejected
        self.received = {s: received.labels(s) for s in SOURCES}
        self.rejected = {reason: rejected.labels(reason) for reason in REJECT_REASONS}
        self.duplicates = {s: duplicates.labels(s) for s in SOURCES}
        self.full = {s: full.labels(s) for s in SOURCES}
        self.store_failures = {f: store_failures.labels(f) for f in STORE_FAILURES}
        self.enqueue_seconds = {s: latency.labels(s) for s in SOURCES}

    def poll_outcome(self, method: str, outcome: str) -> None:
        self._polls.labels(method, outcome).inc()

    def reject(self, reason: str) -> None:
        child = self.rejected.get(reason)
        if child is None:
            # A reason the pipeline added later: counted under its own label all the same.
            child = self.rejected[reason] = self._rejected.labels(reason)
        child.inc()

    def render(self) -> tuple[bytes, str]:
        """The exposition text and its content type.

        Single process: this receiver's metrics plus the process-wide default registry (the
        pipeline's enqueue counters, process and GC figures). Multiprocess mode: every
        process's samples of every metric, aggregated from the shared directory.
        """
        path = os.environ.get(MULTIPROC_ENV)
        if path:
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry) + generate_latest(REGISTRY), CONTENT_TYPE_LATEST
