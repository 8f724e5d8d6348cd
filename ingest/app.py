"""The receiver's ASGI app on the public port: ``/webhook``, ``/health``, ``/livez``, ``/ready``.

=============  ===========================================================================
route          answer
=============  ===========================================================================
POST /webhook  see :mod:`ingest.webhook` (webhook mode only; 404 while long polling)
GET /health    liveness, always 200 while the process serves: status, service, version,
               mode, Redis state (and the poller's role when polling)
GET /livez     liveness probe: 200 while the event loop answers; no Redis, no I/O, so a
               Redis outage never makes an orchestrator restart healthy receivers
GET /ready     200 when Redis answers PING within ``INGEST_REDIS_TIMEOUT`` and the process
               is not shutting down, else 503: a load balancer sends Telegram elsewhere
=============  ===========================================================================

Nothing else: ``/metrics`` (this app's :attr:`IngestApp.metrics` included) and the events
endpoint are on the internal listener (:mod:`ingest.internal`, ``INTERNAL_HOST:INTERNAL_PORT``).

Any ASGI server runs it; ``create_app`` is the factory the production servers import in each
worker process. Resources (the Redis pool) open in :meth:`IngestApp.startup` and close in
:meth:`IngestApp.shutdown`, called by the ASGI lifespan or directly by an embedding runner.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ingest.http import Receive, Scope, Send, respond, respond_json
from ingest.metrics import IngestMetrics
from ingest.recording import Recorder
from ingest.redis_client import create_ingest_redis
from ingest.webhook import WebhookHandler
from shared.logs import get_logger
from shared.pipeline import Pipeline
from shared.settings import Settings

__all__ = ["SERVICE", "IngestApp", "create_app", "service_version"]

SERVICE = "bot-gateway-ingest"
WEBHOOK_PATH = "/webhook"
Mode = Literal["webhook", "polling"]
log = get_logger(__name__)


def service_version() -> str:
    try:
        return version("bot-gateway")
    except PackageNotFoundError:
        return "0+unknown"


class IngestApp:
    """One receiver; ``redis`` may be passed in (then the caller closes it) or is opened here."""

    def __init__(
        self,
        settings: Settings,
        *,
        mode: Mode = "webhook",
        redis: Redis | None = None,
        metrics: IngestMetrics | None = None,
    ) -> None:
        self.settings = settings
        self.mode: Mode = mode
        self.metrics = metrics or IngestMetrics()
        self.draining = False
        # Extra fields for /health, e.g. the poller's role.
        self.health_extras: Callable[[], dict[str, Any]] | None = None
        self._own_redis = redis is None
        self._redis = redis
        self._pipeline: Pipeline | None = None
        self._webhook: WebhookHandler | None = None
        self._version = service_version()
        self._ping_timeout = settings.ingest.redis_timeout

    @property
    def redis(self) -> Redis:
        assert self._redis is not None, "startup() first"
        return self._redis

    @property
    def pipeline(self) -> Pipeline:
        assert self._pipeline is not None, "startup() first"
        return self._pipeline

    def recorder(self) -> Recorder | None:
        ingest = self.settings.ingest
        if not ingest.record:
            return None
        return Recorder(
            self.redis, self.settings.redis.key_prefix, ingest.record_maxlen, ingest.redis_timeout
        )

    async def startup(self) -> None:
        if self._redis is None:
            self._redis = create_ingest_redis(
                self.settings.redis, self.settings.ingest.redis_timeout
            )
        self._pipeline = Pipeline(self._redis, self.settings)
        self._webhook = WebhookHandler(self.settings, self._pipeline, self.metrics, self.recorder())
        self.draining = False

    async def shutdown(self) -> None:
        self.draining = True
        if self._webhook is not None:
            await self._webhook.aclose()
        if self._own_redis and self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            if path == WEBHOOK_PATH and self.mode == "webhook":
                if scope["method"] == "POST":
                    assert self._webhook is not None, "startup() first"
                    await self._webhook(scope, receive, send)
                else:
                    await respond(send, 405, extra_headers=[(b"allow", b"POST")])
            elif scope["method"] not in ("GET", "HEAD"):
                await respond(send, 405 if path in _GET_ROUTES else 404)
            elif path == "/livez":
                await respond_json(send, 200, {"status": "ok"})
            elif path == "/health":
                await respond_json(send, 200, await self.health())
            elif path == "/ready":
                ready, body = await self.readiness()
                await respond_json(send, 200 if ready else 503, body)
            else:
                # /metrics included: it is served by the internal listener (ingest.internal),
                # never on the port the Internet reaches.
                await respond(send, 404)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def health(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": "ok",
            "service": SERVICE,
            "version": self._version,
            "mode": self.mode,
            "redis": "up" if await self._ping(min(self._ping_timeout, 0.5)) else "down",
            "draining": self.draining,
            # Which process answered, when several serve one port.
            "pid": os.getpid(),
        }
        if self.health_extras is not None:
            body.update(self.health_extras())
        return body

    async def readiness(self) -> tuple[bool, dict[str, Any]]:
        if self.draining:
            return False, {"status": "draining"}
        if not await self._ping(self._ping_timeout):
            return False, {"status": "unavailable", "redis": "down"}
        return True, {"status": "ready", "redis": "up"}

    async def _ping(self, deadline: float) -> bool:
        if self._pipeline is None:
            return False
        try:
            async with asyncio.timeout(deadline):
                return await self._pipeline.ping()
        except (RedisError, OSError, TimeoutError):
            return False

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    log.exception("ingest_startup_failed")
                    await send({"type": "lifespan.startup.failed", "message": repr(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


_GET_ROUTES = frozenset({"/health", "/livez", "/ready"})


def create_app() -> IngestApp:
    """Factory for the production servers: settings and logging from the environment."""
    from shared.settings import load_settings

    settings = load_settings()
    from shared.logs import configure_logging

    configure_logging(settings.app.log_level, settings.app.log_format, settings.secrets)
    from ingest.guard import configure

    configure(settings)  # this server process's read deadlines and connection cap
    if settings.sentry.dsn is not None:
        from shared.errortracking import init_error_tracking

        init_error_tracking(settings, "ingest")
    return IngestApp(settings, mode="webhook")
