"""Memoised Prometheus children count into the same series as ``metric.labels``."""

from __future__ import annotations

import math

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram

from shared.labels import Children, HotCounters, HotHistograms, hot_counter, hot_histogram


def test_children_are_the_labelled_series() -> None:
    registry = CollectorRegistry()
    calls = Counter("calls", "Calls.", ("method", "status"), registry=registry)
    by = Children(calls)
    by("sendMessage", "200").inc()
    by("sendMessage", "200").inc(2)
    by("getMe", "500").inc()
    assert by("sendMessage", "200") is by("sendMessage", "200")
    assert registry.get_sample_value("calls_total", {"method": "sendMessage", "status": "200"}) == 3
    assert registry.get_sample_value("calls_total", {"method": "getMe", "status": "500"}) == 1


def _samples(registry: CollectorRegistry) -> list[tuple[str, list[tuple[str, str]], float]]:
    return sorted(
        (s.name, sorted(s.labels.items()), s.value)
        for m in registry.collect()
        for s in m.samples
        if not s.name.endswith("_created")
    )


def test_hot_handles_give_the_series_the_client_gives() -> None:
    amounts = [0.0, 0.005, 0.0051, 0.07, 1.0, 3.0, 25.0, math.inf, math.nan, -1.0, 2]
    series = []
    for hot in (False, True):
        registry = CollectorRegistry()
        counter = Counter("c", "C.", ("method",), registry=registry)
        plain = Counter("p", "P.", registry=registry)
        histogram = Histogram(
            "h", "H.", ("method",), buckets=(0.005, 0.1, 1, 20), registry=registry
        )
        single = Histogram("s", "S.", registry=registry)
        if hot:
            counters, histograms = HotCounters(counter), HotHistograms(histogram)
            assert counters("a") is counters("a")
            c_a, p, h_a, s = (
                counters("a"),
                hot_counter(plain),
                histograms("a"),
                hot_histogram(single),
            )
        else:
            c_a, p, h_a, s = counter.labels("a"), plain, histogram.labels("a"), single
        for amount in amounts:
            c_a.inc()
            p.inc(3)
            h_a.observe(amount)
            s.observe(amount)
        with pytest.raises(ValueError):
            c_a.inc(-1)
        series.append(_samples(registry))
    cold, hot_ = (repr(s) for s in series)  # NaN sums compare by their text
    assert hot_ == cold


def test_hot_handles_fall_back_to_the_child() -> None:
    registry = CollectorRegistry()
    counter = Counter("c", "C.", ("method",), registry=registry)
    histogram = Histogram("h", "H.", ("method",), registry=registry)
    # A parent is not observable: its own methods raise, as they would without the handle.
    assert hot_counter(counter) is counter
    assert hot_histogram(histogram) is histogram
