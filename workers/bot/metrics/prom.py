"""Prometheus metrics of a worker process (the process-wide default registry).

One process per container, so no multiprocess mode: Prometheus scrapes each worker's own port.
Label values are bounded: update types, handler outcomes, Bot API method names, HTTP status codes
and exception class names. No ids, texts or tokens ever become labels. Microservice calls and
breaker states are counted by the service clients (``shared.clients.metrics``) in the same
registry, so the worker's ``/metrics`` shows them too.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "API_CALLS",
    "API_DURATION",
    "API_RETRIES",
    "API_RETRY_AFTER",
    "BROADCASTS_RUNNING",
    "BROADCAST_MESSAGES",
    "BROADCAST_RECIPIENTS",
    "HANDLER_SECONDS",
    "METRIC_ROWS",
    "PACING_WAIT",
    "SESSION_UPSERTS",
    "UPDATES_FAILED",
    "UPDATES_IGNORED",
    "UPDATES_PROCESSED",
    "UPDATES_RETRIED",
    "UPDATES_THROTTLED",
]

UPDATES_PROCESSED = Counter(
    "bot_gateway_worker_updates_processed",
    "Updates acknowledged, by update type and outcome "
    "(handled, unhandled, ignored, left, throttled, refused, failed, invalid).",
    ("update_type", "outcome"),
)
UPDATES_IGNORED = Counter(
    "bot_gateway_worker_updates_ignored",
    "Updates acknowledged without a handler: update types and chat types the bot does not serve "
    "(groups, channels, business and guest messages, edits, reactions …), by both.",
    ("update_type", "chat_type"),
)
UPDATES_FAILED = Counter(
    "bot_gateway_worker_updates_failed",
    "Updates whose handler failed permanently (apology sent, acknowledged), by error class.",
    ("update_type", "error"),
)
UPDATES_RETRIED = Counter(
    "bot_gateway_worker_updates_retried",
    "Updates handed back to the pipeline for a retry, by reason (transient error class).",
    ("update_type", "reason"),
)
UPDATES_THROTTLED = Counter(
    "bot_gateway_worker_updates_throttled",
    "Updates dropped by the per-user rate limit, by the limit that was hit.",
    ("limit",),
)
HANDLER_SECONDS = Histogram(
    "bot_gateway_worker_handler_seconds",
    "Time from decoding an update to the end of its handler, middlewares included.",
    ("update_type",),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0),
)
API_CALLS = Counter(
    "bot_gateway_worker_bot_api_calls",
    "Bot API requests, by method and outcome (HTTP status, or network / timeout).",
    ("method", "status"),
)
API_DURATION = Histogram(
    "bot_gateway_worker_bot_api_seconds",
    "Duration of one Bot API call, pacing waits and retries included.",
    ("method",),
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
API_RETRY_AFTER = Counter(
    "bot_gateway_worker_bot_api_429",
    "Bot API 429 answers, by method and how they were handled (waited, handed_back).",
    ("method", "action"),
)
API_RETRIES = Counter(
    "bot_gateway_worker_bot_api_retries",
    "Bot API calls repeated after a 5xx or network error.",
    ("method",),
)
PACING_WAIT = Histogram(
    "bot_gateway_worker_pacing_wait_seconds",
    "Time a send waited for the shared outgoing rate limits, by the limit that made it wait.",
    ("scope",),
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0),
)
METRIC_ROWS = Counter(
    "bot_gateway_worker_bot_metrics_rows",
    "bot_metrics rows by fate (written, dropped when the database was unavailable too long).",
    ("result",),
)
SESSION_UPSERTS = Counter(
    "bot_gateway_worker_session_upserts",
    "bot_sessions rows upserted by the batched writer, by result.",
    ("result",),
)
BROADCAST_MESSAGES = Counter(
    "bot_gateway_broadcast_messages",
    "Broadcast sends by this worker, by result (sent, failed, blocked, retry_after: handed back "
    "and sent later, unconfirmed: claims of dead senders settled by this worker).",
    ("result",),
)
BROADCAST_RECIPIENTS = Gauge(
    "bot_gateway_broadcast_recipients",
    "Recipients of the unfinished broadcasts by state (pending, sending, sent, failed, blocked, "
    "unconfirmed), read from the database on scrape: the broadcast progress.",
    ("state",),
)
BROADCASTS_RUNNING = Gauge(
    "bot_gateway_broadcasts_running",
    "Broadcasts not finished yet (sending, or cancelled and winding down).",
)
