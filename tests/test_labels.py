"""Memoised Prometheus children count into the same series as ``metric.labels``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from shared.labels import Children


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
