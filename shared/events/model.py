"""Events from the services (contracts.md §10): parsing and validation before anything is stored.

A body is one Event or ``{"events": [Event, …]}`` with 1..100 of them. Every event is checked
(``event_id`` shape, a known ``type``, the payload fields that type needs) before any of the batch
is written, so a batch with one bad event is refused whole (:class:`EventRejected`, answered
400/422 with ``{detail, code}``). Only the fields the gateway relies on are checked; anything else
in a payload is kept as it came, since clients ignore response fields they do not know (§1.3).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import msgspec

__all__ = [
    "EVENT_TYPES",
    "MAX_BATCH",
    "Event",
    "EventRejected",
    "lane_of",
    "parse_events",
    "subject_of",
]

MAX_BATCH: Final = 100
EVENT_ID_RE: Final = re.compile(r"^[A-Za-z0-9:._-]{1,200}$")
_TIMESTAMP_RE: Final = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)


class EventRejected(Exception):
    """The body cannot be accepted; ``status`` 400 (not JSON) or 422 (a bad event)."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


def _obj(value: Any, where: str, fields: Mapping[str, tuple[type, ...]]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EventRejected(422, "validation_error", f"{where} must be an object")
    for name, types in fields.items():
        if name not in value:
            raise EventRejected(422, "validation_error", f"{where}.{name} is required")
        item = value[name]
        wrong = not isinstance(item, types) or (isinstance(item, bool) and bool not in types)
        if types and wrong:
            raise EventRejected(422, "validation_error", f"{where}.{name} has the wrong type")
    return value


_NONE = type(None)
_REQUEST = {"request_number": (str,), "status": (str,), "status_version": (int,)}
_USER = {"id": (int,)}
_SHIFT = {"id": (int,), "executor_user_id": (int, _NONE)}
_COMMENT = {"id": (int,), "comment_text": (str,), "is_internal": (bool,)}


def _request(payload: dict[str, Any], where: str) -> None:
    request = _obj(payload.get("request"), f"{where}.request", _REQUEST)
    for name in ("applicant_user_id", "executor_user_id"):
        if not isinstance(request.get(name, None), int | _NONE):
            raise EventRejected(422, "validation_error", f"{where}.request.{name} must be an int")


def _created(p: dict[str, Any], w: str) -> None:
    _request(p, w)


def _status_changed(p: dict[str, Any], w: str) -> None:
    _request(p, w)
    _obj(
        p,
        w,
        {
            "old_status": (str,),
            "new_status": (str,),
            "actor_user_id": (int, _NONE),
        },
    )
    if not isinstance(p.get("comment"), str | _NONE):
        raise EventRejected(422, "validation_error", f"{w}.comment must be a string or null")


def _assigned(p: dict[str, Any], w: str) -> None:
    _request(p, w)
    _obj(p, w, {"executor_user_id": (int,)})


def _comment_added(p: dict[str, Any], w: str) -> None:
    _request(p, w)
    _obj(p.get("comment"), f"{w}.comment", _COMMENT)


def _user_status(p: dict[str, Any], w: str) -> None:
    _obj(p.get("user"), f"{w}.user", _USER)
    _obj(p, w, {"old_status": (str,), "new_status": (str,)})


def _apartment(p: dict[str, Any], w: str) -> None:
    _obj(p, w, {"user_id": (int,)})
    _obj(p.get("address"), f"{w}.address", {"status": (str,), "apartment_id": (int,)})


def _shift(p: dict[str, Any], w: str) -> None:
    _obj(p.get("shift"), f"{w}.shift", _SHIFT)


_CHECKS = {
    "request.created": _created,
    "request.status_changed": _status_changed,
    "request.assigned": _assigned,
    "request.comment_added": _comment_added,
    "user.status_changed": _user_status,
    "user.apartment_reviewed": _apartment,
    "shift.assigned": _shift,
    "shift.starting": _shift,
}
EVENT_TYPES: Final = tuple(_CHECKS)


@dataclass(frozen=True, slots=True)
class Event:
    event_id: str
    type: str
    occurred_at: str
    payload: dict[str, Any]
    raw: bytes  # the event as stored in its lane (re-encoded, compact)


def subject_of(type_: str, payload: dict[str, Any]) -> str:
    """What the event is about; events about one subject share a lane and keep their order."""
    if type_.startswith("request."):
        return "r" + str(payload["request"]["request_number"])
    if type_ in ("user.status_changed", "gateway.approval_waiting"):
        # A user's own events share a lane: "waiting for approval" comes before "approved".
        return "u" + str(payload["user"]["id"])
    if type_ == "user.apartment_reviewed":
        return "u" + str(payload["user_id"])
    return "s" + str(payload["shift"]["id"])


def lane_of(subject: str, lanes: int) -> str:
    """The ordering key of the event lane of ``subject`` (``ev<n>``, never a chat's key)."""
    return f"ev{zlib.crc32(subject.encode()) % lanes}"


_encode = msgspec.json.Encoder().encode


def _event(value: Any, where: str) -> Event:
    if not isinstance(value, dict):
        raise EventRejected(422, "validation_error", f"{where} must be an object")
    event_id = value.get("event_id")
    if not isinstance(event_id, str) or not EVENT_ID_RE.match(event_id):
        raise EventRejected(
            422, "validation_error", f"{where}.event_id must be 1..200 of [A-Za-z0-9:._-]"
        )
    type_ = value.get("type")
    if not isinstance(type_, str):
        raise EventRejected(422, "validation_error", f"{where}.type is required")
    check = _CHECKS.get(type_)
    if check is None:
        raise EventRejected(422, "unknown_event_type", f"{where}.type is not a known event type")
    occurred = value.get("occurred_at")
    if not isinstance(occurred, str) or not _TIMESTAMP_RE.match(occurred):
        raise EventRejected(422, "validation_error", f"{where}.occurred_at must be ISO-8601")
    payload = value.get("payload")
    if not isinstance(payload, dict):
        raise EventRejected(422, "validation_error", f"{where}.payload must be an object")
    check(payload, f"{where}.payload")
    stored = {"event_id": event_id, "type": type_, "occurred_at": occurred, "payload": payload}
    return Event(event_id, type_, occurred, payload, _encode(stored))


def parse_events(body: bytes) -> list[Event]:
    """Every event of a body, or :class:`EventRejected` for the whole body."""
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise EventRejected(400, "bad_request", "the body is not JSON") from None
    if not isinstance(data, dict):
        raise EventRejected(400, "bad_request", "the body must be a JSON object")
    if "events" in data and "event_id" not in data:
        items = data["events"]
        if set(data) != {"events"} or not isinstance(items, list):
            raise EventRejected(422, "validation_error", 'a batch is {"events": [Event, …]}')
        if not 1 <= len(items) <= MAX_BATCH:
            raise EventRejected(422, "validation_error", f"a batch carries 1..{MAX_BATCH} events")
        return [_event(item, f"events[{i}]") for i, item in enumerate(items)]
    return [_event(data, "event")]
