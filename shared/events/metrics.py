"""Prometheus metrics of events and notifications (default registry: the ingest's ``/metrics`` and
the worker's metrics port both expose it)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest

__all__ = [
    "EVENTS_DUPLICATE",
    "EVENTS_FANNED_OUT",
    "EVENTS_RECEIVED",
    "EVENTS_REJECTED",
    "INTAKE_REGISTRY",
    "NOTIFICATIONS",
    "render_intake",
]

# The intake's counters live in a registry of their own: the internal listener renders it next to
# whatever the process already exposes (a single process's default registry, or the aggregate of
# several webhook processes), without two copies of one metric family.
INTAKE_REGISTRY = CollectorRegistry(auto_describe=True)

EVENTS_RECEIVED = Counter(
    "bot_gateway_events_received",
    "Service events accepted and stored (first delivery), by type.",
    ["type"],
    registry=INTAKE_REGISTRY,
)
EVENTS_DUPLICATE = Counter(
    "bot_gateway_events_duplicates",
    "Service events delivered again within the dedup window (answered 202, not stored again).",
    registry=INTAKE_REGISTRY,
)
EVENTS_REJECTED = Counter(
    "bot_gateway_events_rejected",
    "Event requests refused, by reason (unauthorized, bad_request, validation_error, "
    "unknown_event_type, too_large, unavailable).",
    ["reason"],
    registry=INTAKE_REGISTRY,
)
EVENTS_FANNED_OUT = Counter(
    "bot_gateway_events_fanned_out",
    "Notifications appended to recipients' chat lanes by the event handler, by event type.",
    ["type"],
)
NOTIFICATIONS = Counter(
    "bot_gateway_notifications",
    "Notifications by outcome: delivered, unreachable (403: counted, not retried), skipped "
    "(muted or not to be sent), held (quiet hours or folding), by kind.",
    ["kind", "outcome"],
)


def render_intake() -> bytes:
    return generate_latest(INTAKE_REGISTRY)
