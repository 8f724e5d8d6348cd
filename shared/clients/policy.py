"""Timeouts, retry and backoff limits of the service clients, taken from ``HTTP_*`` settings."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from shared.backoff import exponential_backoff
from shared.settings import HttpSettings, default_of

__all__ = ["CallPolicy", "build_http_client", "build_transport", "never_connected"]


@dataclass(frozen=True, slots=True)
class CallPolicy:
    timeout: float = default_of(HttpSettings, "timeout")
    connect_timeout: float = default_of(HttpSettings, "connect_timeout")
    max_retries: int = default_of(HttpSettings, "max_retries")
    deadline: float = default_of(HttpSettings, "deadline")
    wait_initial: float = default_of(HttpSettings, "retry_wait_initial")
    wait_max: float = default_of(HttpSettings, "retry_wait_max")
    retry_after_max: float = default_of(HttpSettings, "retry_after_max")
    max_connections: int = default_of(HttpSettings, "max_connections")
    max_keepalive_connections: int = default_of(HttpSettings, "max_keepalive_connections")

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
        """Retry 1 waits at least ``wait_initial``, then the step doubles, up to ``wait_max``."""
        return exponential_backoff(
            retry_number, base=self.wait_initial, cap=self.wait_max, jitter=(1.0, 1.5)
        )


def never_connected(exc: httpx.TransportError) -> bool:
    """Whether a connect error from the transport really means no connection was made.

    ``httpx-aiohttp`` maps every ``aiohttp.ClientConnectionError`` to ``httpx.ConnectTimeout``,
    including a connection the service closed *after* it had the request
    (``ServerDisconnectedError``, a reset while reading). Retrying that as "never reached the
    service" would send a non-idempotent POST to a service that may have acted on it.
    """
    cause = exc.__cause__
    return cause is None or isinstance(
        cause, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError
    )


def build_transport(policy: CallPolicy) -> AiohttpTransport:
    """httpx's transport over aiohttp's connection handling (``httpx-aiohttp``, the transport the
    OpenAI and Anthropic SDKs ship): measured on loopback, a call costs 221 µs of CPU instead of
    418 µs with httpcore, and 259 µs instead of 1,195 µs with 40 calls in flight (httpcore scans
    its whole pool on every request). Exceptions are still httpx's."""

    def session() -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=policy.max_connections,
                keepalive_timeout=30.0,
            ),
            # Never carry a cookie from one user's call into another's.
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    return AiohttpTransport(client=session)


def build_http_client(
    base_url: str,
    policy: CallPolicy,
    headers: dict[str, str],
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """One pooled keep-alive client per service and process; the caller closes it on shutdown
    (which closes ``transport``, by default :func:`build_transport`'s)."""
    return httpx.AsyncClient(
        base_url=base_url,
        headers=headers,
        timeout=httpx.Timeout(policy.timeout, connect=policy.connect_timeout),
        # Retries are ours (bounded by the deadline and the breaker); the transport makes none.
        transport=transport or build_transport(policy),
        follow_redirects=False,
        trust_env=False,
    )
