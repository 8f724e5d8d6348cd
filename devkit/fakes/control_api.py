"""``/__fake__/*``: test controls the real services do not have (docs/contracts.md §8).

World-wide: ``GET|POST events`` (emit a §10 event by hand / list them), ``POST reset``,
``POST seed``, ``GET|POST clock`` (``{"now": iso | null}`` freezes or
unfreezes, ``{"advance_seconds": n}`` moves it).  Per service (the one whose port is called):
``GET|POST|DELETE faults``, ``GET|POST knobs`` (``latency_ms``, ``error_rate``, ``down``),
``GET|DELETE calls``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from devkit.fakes.controls import Fault
from devkit.fakes.http import Call, HttpError

if TYPE_CHECKING:
    from devkit.fakes.app import FakeService

__all__ = ["handle_control"]


def _json(call: Call) -> dict[str, Any]:
    try:
        data = json.loads(call.raw_body or b"{}")
    except ValueError:
        raise HttpError(400, "bad_request", "body is not JSON") from None
    if not isinstance(data, dict):
        raise HttpError(422, "validation_error", "body must be an object")
    return data


def _fault_json(fault: Fault) -> dict[str, Any]:
    return {
        "method": fault.method,
        "path_regex": fault.path_regex,
        "action": fault.action,
        "times": fault.times,
        "code": fault.code,
    }


def _clock(service: FakeService, call: Call) -> tuple[int, Any]:
    world = service.state
    if call.method == "POST":
        data = _json(call)
        if "now" in data:
            try:
                now = dt.datetime.fromisoformat(data["now"]) if data["now"] else None
            except (TypeError, ValueError):
                raise HttpError(422, "validation_error", "now must be ISO-8601") from None
            if now is not None and now.tzinfo is None:
                now = now.replace(tzinfo=dt.UTC)
            world.clock.set(now)
        if "advance_seconds" in data:
            world.clock.advance(float(data["advance_seconds"]))
        world.events.check_starting()
    return 200, {"now": world.now(), "frozen": world.clock.frozen is not None}


def _faults(service: FakeService, call: Call) -> tuple[int, Any]:
    controls = service.controls
    if call.method == "POST":
        data = _json(call)
        try:
            controls.add_fault(
                str(data.get("action", "")),
                method=data.get("method"),
                path_regex=data.get("path_regex"),
                times=int(data.get("times", 1)),
                code=data.get("code"),
            )
        except (ValueError, TypeError) as exc:
            raise HttpError(422, "validation_error", str(exc)) from None
        return 201, {"faults": [_fault_json(f) for f in controls.faults]}
    if call.method == "DELETE":
        controls.faults.clear()
    return 200, {"faults": [_fault_json(f) for f in controls.faults]}


def _knobs(service: FakeService, call: Call) -> tuple[int, Any]:
    controls = service.controls
    if call.method == "POST":
        try:
            controls.configure(_json(call))
        except (ValueError, TypeError) as exc:
            raise HttpError(422, "validation_error", str(exc)) from None
    return 200, {
        "latency_ms": controls.latency_ms,
        "error_rate": controls.error_rate,
        "down": controls.down,
    }


def _calls(service: FakeService, call: Call) -> tuple[int, Any]:
    if call.method == "DELETE":
        service.controls.calls.clear()
    return 200, {"items": [c.as_json() for c in service.controls.calls]}


def _reset(service: FakeService, call: Call) -> tuple[int, Any]:
    service.state.reset()
    return 200, {"ok": True}


def _seed(service: FakeService, call: Call) -> tuple[int, Any]:
    world = service.state
    world.seed()
    return 200, {"ok": True, "users": len(world.users), "requests": len(world.requests)}


def _events(service: FakeService, call: Call) -> tuple[int, Any]:
    """``POST``: emit ``{type, payload, event_id?, producer?}`` by hand (a test's event);
    ``GET``: every event emitted, and which the gateway accepted."""
    outbox = service.state.events
    if call.method == "POST":
        data = _json(call)
        type_, payload = data.get("type"), data.get("payload")
        if not isinstance(type_, str) or not isinstance(payload, dict):
            raise HttpError(422, "validation_error", "type and payload are required")
        event_id = str(data.get("event_id") or f"manual:{service.state.next_id('manual-event')}")
        producer = str(data.get("producer") or "fakes")
        return 201, outbox.emit(type_, payload, event_id, producer)
    return 200, {"items": outbox.log, "delivered": outbox.delivered, "url": outbox.url}


_HANDLERS = {
    "reset": (_reset, frozenset({"POST"})),
    "seed": (_seed, frozenset({"POST"})),
    "clock": (_clock, frozenset({"GET", "POST"})),
    "faults": (_faults, frozenset({"GET", "POST", "DELETE"})),
    "knobs": (_knobs, frozenset({"GET", "POST"})),
    "calls": (_calls, frozenset({"GET", "DELETE"})),
    "events": (_events, frozenset({"GET", "POST"})),
}


def handle_control(service: FakeService, call: Call) -> tuple[int, Any]:
    """Status and JSON body of a ``/__fake__/…`` call."""
    found = _HANDLERS.get(call.path.removeprefix("/__fake__/").strip("/"))
    if found is None:
        raise HttpError(404, "not_found")
    handler, methods = found
    if call.method not in methods:
        raise HttpError(405, "method_not_allowed")
    return handler(service, call)
