"""Labelled Prometheus children, looked up once.

``metric.labels(...)`` validates the values, builds a key and takes the metric's lock on every
call; on the per-update path that is most of a counter's cost. Label values here are bounded
sets (update types, outcomes, Bot API methods, status codes), so the children are kept.
"""

from __future__ import annotations

from typing import Generic, Protocol, Self, TypeVar

__all__ = ["Children"]


class _Labelled(Protocol):
    def labels(self, *values: str) -> Self: ...


M = TypeVar("M", bound=_Labelled)


class Children(Generic[M]):
    def __init__(self, metric: M) -> None:
        self._metric = metric
        self._children: dict[tuple[str, ...], M] = {}

    def __call__(self, *values: str) -> M:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._metric.labels(*values)
        return child
