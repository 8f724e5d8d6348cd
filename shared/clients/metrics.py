"""Prometheus metrics of the service clients (the process-wide default registry).

Label values are bounded: ``service`` is one of five names, ``method`` is the client operation
(``requests.create``), ``status`` is the HTTP status or one of ``timeout``, ``connect_error``,
``network_error``, ``circuit_open``.  No ids, numbers or tokens ever become labels.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = ["BREAKER_STATE", "BREAKER_STATE_VALUES", "CALLS", "CALL_DURATION", "RETRIES"]

CALLS = Counter(
    "bot_gateway_service_calls",
    "HTTP attempts to the microservices, by outcome.",
    ("service", "method", "status"),
)
CALL_DURATION = Histogram(
    "bot_gateway_service_call_seconds",
    "Duration of one client call, retries and backoff included.",
    ("service", "method"),
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0),
)
RETRIES = Counter(
    "bot_gateway_service_retries",
    "Attempts repeated after a transient failure.",
    ("service", "method"),
)
BREAKER_STATE = Gauge(
    "bot_gateway_service_breaker_state",
    "Circuit breaker state as last seen by this process: 0 closed, 1 half-open, 2 open.",
    ("service",),
)
BREAKER_STATE_VALUES = {"closed": 0, "half-opened": 1, "opened": 2}
