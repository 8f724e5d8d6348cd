"""Labelled Prometheus children, looked up once; lock-free handles for the per-update path.

``metric.labels(...)`` validates the values, builds a key and takes the metric's lock on every
call; on the per-update path that is most of a counter's cost. Label values here are bounded
sets (update types, outcomes, Bot API methods, status codes), so the children are kept.

A child's own ``inc()`` / ``observe()`` then checks that it is observable, and takes a lock per
value it adds to (a histogram: its sum and its bucket, found by a linear scan). The worker
updates these series from its event loop only, and serves ``/metrics`` from the same loop, so
:func:`hot_counter` and :func:`hot_histogram` add to the same values without the lock (a
histogram's bucket found by bisection): the same series and samples, for about a third of the
CPU. They fall back to the child's own methods when its values are not the plain in-process
ones (multiprocess mode). Only for series that no other thread writes.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from typing import Any, Generic, Protocol, Self, TypeVar

from prometheus_client.values import MutexValue

__all__ = [
    "Children",
    "HotCounter",
    "HotCounters",
    "HotHistogram",
    "HotHistograms",
    "hot_counter",
    "hot_histogram",
]


class _Labelled(Protocol):
    def labels(self, *values: str) -> Self: ...


M = TypeVar("M", bound=_Labelled)


T = TypeVar("T")


class _LabelCache(Generic[T]):
    """``metric.labels(*values)`` looked up once per label values, kept as ``make`` turns it."""

    def __init__(self, metric: Any, make: Callable[[Any], T]) -> None:
        self._metric = metric
        self._make = make
        self._children: dict[tuple[str, ...], T] = {}

    def __call__(self, *values: str) -> T:
        child = self._children.get(values)
        if child is None:
            child = self._children[values] = self._make(self._metric.labels(*values))
        return child


class Children(_LabelCache[M]):
    def __init__(self, metric: M) -> None:
        super().__init__(metric, _same)


def _same(child: M) -> M:
    return child


class HotCounter(Protocol):
    def inc(self, amount: float = 1) -> None: ...


class HotHistogram(Protocol):
    def observe(self, amount: float) -> None: ...


class _LockFreeCounter:
    __slots__ = ("_value",)

    def __init__(self, value: MutexValue) -> None:
        self._value = value

    def inc(self, amount: float = 1) -> None:
        if amount < 0:
            raise ValueError("Counters can only be incremented by non-negative amounts.")
        self._value._value += amount


class _LockFreeHistogram:
    __slots__ = ("_bounds", "_buckets", "_sum")

    def __init__(self, sum_: MutexValue, buckets: list[MutexValue], bounds: list[float]) -> None:
        self._sum = sum_
        self._buckets = buckets
        self._bounds = bounds

    def observe(self, amount: float) -> None:
        self._sum._value += amount
        # The first bound >= amount, as the client's scan finds it (the last bound is +Inf;
        # NaN lands in no bucket there, and fails the comparison here).
        bounds = self._bounds
        i = bisect_left(bounds, amount)
        if amount <= bounds[i]:
            self._buckets[i]._value += 1


def _plain(value: Any) -> bool:
    return type(value) is MutexValue


def hot_counter(child: Any) -> HotCounter:
    """``child.inc`` without the lock: an unlabelled counter or a labelled one's child."""
    if child._is_observable() and _plain(child._value):
        return _LockFreeCounter(child._value)
    return child  # type: ignore[no-any-return]


def hot_histogram(child: Any) -> HotHistogram:
    """``child.observe`` without the locks: an unlabelled histogram or a labelled one's child."""
    if child._is_observable() and _plain(child._sum) and all(map(_plain, child._buckets)):
        return _LockFreeHistogram(child._sum, list(child._buckets), list(child._upper_bounds))
    return child  # type: ignore[no-any-return]


class HotCounters(_LabelCache[HotCounter]):
    """A labelled counter's children as :func:`hot_counter` handles, looked up once."""

    def __init__(self, metric: Any) -> None:
        super().__init__(metric, hot_counter)


class HotHistograms(_LabelCache[HotHistogram]):
    """A labelled histogram's children as :func:`hot_histogram` handles, looked up once."""

    def __init__(self, metric: Any) -> None:
        super().__init__(metric, hot_histogram)
