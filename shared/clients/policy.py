"""Timeouts, retry and backoff limits of the service clients, taken from ``HTTP_*`` settings."""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx

from shared.settings import HttpSettings

__all__ = ["CallPolicy", "build_http_client"]


@dataclass(frozen=True, slots=True)
class CallPolicy:
    timeout: float = 10.0
    connect_timeout: float = 2.0
    max_retries: int = 3
    deadline: float = 15.0
    wait_initial: float = 0.2
    wait_max: float = 2.0
    retry_after_max: float = 5.0
    max_connections: int = 100
    max_keepalive_connections: int = 20

    @classmethod
    def from_settings(cls, http: HttpSettings) -> CallPolicy:
        return cls(
            timeout=http.timeout,
            connect_timeout=http.connect_timeout,
            max_retries=http.max_retries,
            deadline=http.deadline,
            wait_initial=http.retry_wait_initial,
            wait_max=http.retry_wait_max,
            retry_after_max=http.retry_after_max,
            max_connections=http.max_connections,
            max_keepalive_connections=http.max_keepalive_connections,
        )

    def backoff(self, retry_number: int) -> float:
        """Exponential backoff with full jitter on top: retry 1 waits ~initial, then doubles."""
        base = min(self.wait_max, self.wait_initial * 2.0 ** max(0, retry_number - 1))
        return min(self.wait_max, base + random.uniform(0, self.wait_initial))


def build_http_client(
    base_url: str, policy: CallPolicy, headers: dict[str, str]
) -> httpx.AsyncClient:
    """One pooled keep-alive client per service and process; the caller closes it on shutdown."""
    return httpx.AsyncClient(
        base_url=base_url,
        headers=headers,
        timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout),
        # Retries are ours (bounded by the deadline and the breaker); the transport makes none.
        # Limits go to the transport: a client given a transport ignores its own ``limits``.
        transport=httpx.AsyncHTTPTransport(
            retries=0,
            limits=httpx.Limits(
                max_connections=policy.max_connections,
                max_keepalive_connections=policy.max_keepalive_connections,
                keepalive_expiry=30.0,
            ),
        ),
        follow_redirects=False,
        trust_env=False,
    )
