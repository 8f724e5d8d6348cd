"""Fault knobs: forced errors for the next N calls (429 with ``retry_after`` above all), latency.

Rules match on the canonical method name (``None`` = any method) and are consumed in the order
they were added; each matching call uses up one unit of the first matching rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from devkit.fakes.telegram.errors import ApiError, too_many_requests

__all__ = ["Faults"]


@dataclass(slots=True)
class _ErrorRule:
    method: str | None
    remaining: int
    error: ApiError


class Faults:
    def __init__(self) -> None:
        self._rules: list[_ErrorRule] = []
        self._latency: dict[str | None, float] = {}

    def reset(self) -> None:
        self._rules.clear()
        self._latency.clear()

    def add_error(self, count: int, error: ApiError, method: str | None = None) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        self._rules.append(_ErrorRule(method=method, remaining=count, error=error))

    def flood(self, count: int, retry_after: int, method: str | None = None) -> None:
        self.add_error(count, too_many_requests(retry_after), method)

    def set_latency(self, seconds: float, method: str | None = None) -> None:
        if seconds < 0:
            raise ValueError("latency must not be negative")
        if seconds == 0:
            self._latency.pop(method, None)
        else:
            self._latency[method] = seconds

    def latency(self, method: str) -> float:
        return self._latency.get(method, self._latency.get(None, 0.0))

    def take_error(self, method: str) -> ApiError | None:
        for rule in self._rules:
            if rule.method is None or rule.method == method:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._rules.remove(rule)
                return rule.error
        return None

    @property
    def pending_errors(self) -> int:
        return sum(rule.remaining for rule in self._rules)
