"""Service events (contracts.md §10): validated at the internal listener, stored in event lanes of
the pipeline, fanned out by the worker into the recipients' chat lanes as notifications."""

from shared.events.model import EVENT_TYPES, MAX_BATCH, Event, EventRejected, parse_events
from shared.events.store import EventStore, LanesFull, NotifyResult, StoreResult

__all__ = [
    "EVENT_TYPES",
    "MAX_BATCH",
    "Event",
    "EventRejected",
    "EventStore",
    "LanesFull",
    "NotifyResult",
    "StoreResult",
    "parse_events",
]
