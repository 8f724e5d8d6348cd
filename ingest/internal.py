"""The internal listener (``INTERNAL_HOST:INTERNAL_PORT``, never the public webhook port).

=============================  ================================================================
route                          answer
=============================  ================================================================
POST /internal/v1/events       service events (contracts.md §10): 202 ``{accepted, duplicates}``
                               once every event is durable in Redis; 400/422 ``{detail, code}``
                               refuses the whole body; 401 ``service_unauthorized``; 413 too
                               large; 503 ``unavailable`` when Redis fails or is slower than
                               ``INGEST_REDIS_TIMEOUT`` (the producer retries, same event ids)
GET /metrics                   Prometheus text (the receiver's and the events' metrics)
GET /health                    liveness
=============================  ================================================================

The service key is compared with :func:`hmac.compare_digest` (constant time) and never logged.
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ingest.http import (
    BodyTooLarge,
    Disconnected,
    Receive,
    Scope,
    Send,
    read_body,
    respond,
    respond_json,
)
from shared.events import EventRejected, EventStore, LanesFull, parse_events
from shared.events.metrics import EVENTS_DUPLICATE, EVENTS_RECEIVED, EVENTS_REJECTED
from shared.logs import get_logger
from shared.settings import Settings

__all__ = ["EVENTS_PATH", "InternalApp"]

EVENTS_PATH = "/internal/v1/events"
log = get_logger(__name__)


def _error(detail: str, code: str) -> dict[str, str]:
    return {"detail": detail, "code": code}


class InternalApp:
    """ASGI app of the internal port; ``render_metrics`` is the receiver's exposition."""

    def __init__(
        self,
        settings: Settings,
        redis: Redis,
        render_metrics: Callable[[], tuple[bytes, str]],
    ) -> None:
        self.settings = settings
        self.store = EventStore(redis, settings)
        self._render_metrics = render_metrics
        self._key = settings.services.service_api_key.get_secret_value().encode()
        self._timeout = settings.ingest.redis_timeout
        self._limit = settings.internal.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == EVENTS_PATH:
            if method == "POST":
                await self._events(scope, receive, send)
            else:
                await respond(send, 405, extra_headers=[(b"allow", b"POST")])
        elif path == "/metrics" and method in ("GET", "HEAD"):
            text, content_type = self._render_metrics()
            await respond(send, 200, text, content_type.encode())
        elif path == "/health" and method in ("GET", "HEAD"):
            await respond_json(send, 200, {"status": "ok", "service": "bot-gateway-internal"})
        else:
            await respond(send, 404)

    def _authorized(self, scope: Scope) -> bool:
        given = b""
        for name, value in scope.get("headers", ()):
            if name == b"x-service-api-key":
                given = value
                break
        # compare_digest on equal-typed bytes: the time does not depend on where they differ.
        return bool(self._key) and hmac.compare_digest(given, self._key)

    async def _refuse(self, send: Send, status: int, code: str, detail: str) -> None:
        EVENTS_REJECTED.labels(code).inc()
        log.info("events_refused", status=status, code=code, detail=detail[:200])
        await respond_json(send, status, _error(detail, code))

    async def _events(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._authorized(scope):
            await self._refuse(send, 401, "service_unauthorized", "service key not accepted")
            return
        try:
            body = await read_body(receive, self._limit)
        except BodyTooLarge:
            await self._refuse(send, 413, "too_large", f"body over {self._limit} bytes")
            return
        except Disconnected:
            return
        try:
            events = parse_events(body)
        except EventRejected as exc:
            await self._refuse(send, exc.status, exc.code, exc.detail)
            return
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout):
                result = await self.store.store(events)
        except LanesFull:
            await self._unavailable(send, "lanes_full", "event lanes are full, retry later")
            return
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("events_not_stored", error=type(exc).__name__, count=len(events))
            await self._unavailable(send, "redis", "storage unavailable, retry later")
            return
        if result.duplicates:
            EVENTS_DUPLICATE.inc(result.duplicates)
        if result.accepted:
            # Which ones were new is known only inside the script; count by type when all were.
            if not result.duplicates:
                for event in events:
                    EVENTS_RECEIVED.labels(event.type).inc()
            else:
                EVENTS_RECEIVED.labels("mixed_batch").inc(result.accepted)
        log.info(
            "events_stored",
            accepted=result.accepted,
            duplicates=result.duplicates,
            service=_header(scope, b"x-service-name")[:40],
            ms=round((time.perf_counter() - started) * 1000, 2),
        )
        await respond_json(
            send, 202, {"accepted": result.accepted, "duplicates": result.duplicates}
        )

    async def _unavailable(self, send: Send, reason: str, detail: str) -> None:
        EVENTS_REJECTED.labels("unavailable").inc()
        log.warning("events_unavailable", reason=reason)
        body = _error(detail, "unavailable")
        import msgspec

        await respond(
            send,
            503,
            msgspec.json.encode(body),
            b"application/json",
            extra_headers=[(b"retry-after", b"1")],
        )


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", ()):
        if key == name:
            return bytes(value).decode("latin-1")
    return ""
