"""Test knobs of one service fake and the log of the calls it received.

Faults (docs/contracts.md §8 ``POST /__fake__/faults``) are rules ``{method, path_regex, action,
times}`` checked in order; the first that matches a call fires and uses up one of its ``times``
(``times`` ≤ 0 means forever).  Actions:

- ``status:<code>[:<retry_after>]``: answer ``<code>`` with a contract-shaped error body (its
  ``code`` is the rule's ``code``, default ``injected_fault``) and, when given (or for 429,
  default 1), a ``Retry-After`` header; nothing is processed.
- ``delay:<ms>``: wait, then process normally (the idempotency key is already "in progress").
- ``garbage``: answer 200 with a body that is not JSON; nothing is processed.
- ``drop``: close the connection after the status line, before any body; nothing is processed.
- ``drop_after`` (fakes' extension): process the call, then close the connection without the
  body, i.e. the work happened but the answer was lost, the case idempotency keys exist for.

Besides rules: ``latency_ms`` (added to every call), ``error_rate`` (that share of calls answers
503), and ``down`` (every call is dropped, like a crashed process behind a proxy).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CallRecord", "Fault", "ServiceControls"]

_ACTION_RE = re.compile(
    r"^(status:[1-5]\d\d(:\d{1,4}(\.\d{1,3})?)?|delay:\d{1,6}|garbage|drop|drop_after)$"
)
_MASKED_HEADERS = frozenset({"authorization", "x-service-api-key"})
_MASKED_FIELDS = frozenset({"refresh_token", "access_token"})


@dataclass(slots=True)
class Fault:
    action: str
    method: str | None = None
    path_regex: str | None = None
    times: int = 1
    code: str | None = None  # the error body's code for status:<code>; "injected_fault" if unset

    def __post_init__(self) -> None:
        if not _ACTION_RE.match(self.action):
            raise ValueError(f"unknown fault action {self.action!r}")
        if self.path_regex is not None:
            re.compile(self.path_regex)
        if self.method is not None:
            self.method = self.method.upper()

    def matches(self, method: str, path: str) -> bool:
        if self.method not in (None, "*", method):
            return False
        return self.path_regex is None or re.search(self.path_regex, path) is not None


@dataclass(slots=True)
class CallRecord:
    """One received call, secrets masked."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: Any
    at: str
    status: int | None = None
    outcome: str = "answered"

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")

    @property
    def request_id(self) -> str | None:
        return self.headers.get("x-request-id")

    def as_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "at": self.at,
            "status": self.status,
            "outcome": self.outcome,
            "idempotency_key": self.idempotency_key,
        }


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    out = {}
    for name, value in headers.items():
        if name in _MASKED_HEADERS:
            scheme = (
                value.split(" ", 1)[0] + " " if name == "authorization" and " " in value else ""
            )
            out[name] = f"{scheme}***"
        else:
            out[name] = value
    return out


def mask_body(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: ("***" if k in _MASKED_FIELDS else v) for k, v in body.items()}
    return body


@dataclass
class ServiceControls:
    """Knobs and call log of one service; reachable from Python and over ``/__fake__/``."""

    faults: list[Fault] = field(default_factory=list)
    latency_ms: int = 0
    error_rate: float = 0.0
    down: bool = False
    calls: list[CallRecord] = field(default_factory=list)
    max_calls: int = 10_000

    def add_fault(
        self,
        action: str,
        *,
        method: str | None = None,
        path_regex: str | None = None,
        times: int = 1,
        code: str | None = None,
    ) -> Fault:
        fault = Fault(action, method, path_regex, times, code)
        self.faults.append(fault)
        return fault

    def fail_next(self, times: int = 1, status: int = 503, **match: str) -> Fault:
        """Force ``status`` for the next ``times`` matching calls."""
        return self.add_fault(f"status:{status}", times=times, **match)

    def take_fault(self, method: str, path: str) -> Fault | None:
        """The fault for this call, if any; uses up one ``times`` of the matching rule."""
        if self.down:
            return Fault("drop")
        for fault in self.faults:
            if fault.matches(method, path):
                if fault.times > 0:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                return fault
        if self.error_rate and random.random() < self.error_rate:
            return Fault("status:503")
        return None

    def record(self, record: CallRecord) -> None:
        self.calls.append(record)
        if len(self.calls) > self.max_calls:
            del self.calls[: len(self.calls) - self.max_calls]

    def clear(self) -> None:
        self.faults.clear()
        self.calls.clear()
        self.latency_ms = 0
        self.error_rate = 0.0
        self.down = False

    def configure(self, values: dict[str, Any]) -> None:
        """``POST /__fake__/knobs``: any of ``latency_ms``, ``error_rate``, ``down``."""
        unknown = set(values) - {"latency_ms", "error_rate", "down"}
        if unknown:
            raise ValueError(f"unknown knobs: {sorted(unknown)}")
        if "latency_ms" in values:
            self.latency_ms = max(0, int(values["latency_ms"]))
        if "error_rate" in values:
            self.error_rate = min(1.0, max(0.0, float(values["error_rate"])))
        if "down" in values:
            self.down = bool(values["down"])
