"""The public port against slow and idle clients: read deadlines and a cap on connections.

uvicorn bounds idle keep-alive connections (``timeout_keep_alive``) but nothing else: a client
that connects and says nothing, or sends half its headers, holds a connection (and a slot of
``limit_concurrency``) for as long as it likes. :class:`GuardedHttpTools` is uvicorn's httptools
protocol with three additions:

- the request line and headers must be complete within ``INGEST_HEADER_TIMEOUT`` of the
  connection opening or of the first byte of the next request on a kept-alive one; else the
  connection is closed;
- beyond ``INGEST_MAX_CONNECTIONS`` open connections per process a new one is answered 503
  and closed at once, before it costs a parser or a task;
- the body's own deadline (``INGEST_BODY_TIMEOUT``) is the webhook handler's (408), so it
  holds under granian too.

The limits are module state set by :func:`configure` in each server process (the app factory
calls it): uvicorn imports the protocol class by name in every worker process it spawns.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from shared.logs import get_logger
from shared.settings import Settings

__all__ = ["GuardedHttpTools", "configure", "granian_options", "uvicorn_options"]

log = get_logger(__name__)
_OVER_CAPACITY = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"content-length: 0\r\nconnection: close\r\nretry-after: 1\r\n\r\n"
)


class _Limits:
    header_timeout = 10.0
    max_connections = 512


def configure(settings: Settings) -> None:
    """Take this process's limits from the settings."""
    _Limits.header_timeout = settings.ingest.header_timeout
    _Limits.max_connections = settings.ingest.max_connections


class GuardedHttpTools(HttpToolsProtocol):
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > _Limits.max_connections:
            log.warning("connection_refused", reason="max_connections", open=len(self.connections))
            transport.write(_OVER_CAPACITY)
            transport.close()
            return
        self._arm_header_timer()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:
            self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._header_timer = self.loop.call_later(_Limits.header_timeout, self._headers_too_slow)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            client = self.client[0] if self.client else None
            log.info("connection_closed", reason="header_timeout", client=client)
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn keyword arguments of the public port (``uvicorn.run`` and ``uvicorn.Config``)."""
    configure(settings)
    return {
        "http": GuardedHttpTools,
        # Telegram holds up to max_connections open; keep idle ones alive between bursts, but
        # not forever.
        "timeout_keep_alive": settings.ingest.keepalive_timeout,
        # Requests in flight per process; past it uvicorn answers 503 (Telegram retries). One
        # above the connection cap, which the protocol enforces itself (uvicorn counts ">=").
        "limit_concurrency": settings.ingest.max_connections + 1,
        # Request line + headers: Telegram's are well under 8 KiB.
        "h11_max_incomplete_event_size": 16 * 1024,
    }


def granian_options(settings: Settings) -> dict[str, Any]:
    """The same limits in granian's terms: a header read deadline and backpressure."""
    from granian.http import HTTP1Settings

    return {
        "http1_settings": HTTP1Settings(
            header_read_timeout=int(settings.ingest.header_timeout * 1000)
        ),
        "backpressure": settings.ingest.max_connections,
    }
