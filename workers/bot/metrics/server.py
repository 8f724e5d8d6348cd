"""The worker's own HTTP port: ``GET /metrics`` (Prometheus text format) and ``GET /livez``.

Served by aiohttp (already there for aiogram) inside the worker's event loop, so ``/livez``
answering proves the loop is not stuck. ``WORKER_METRICS_PORT=0`` turns it off. ``on_scrape``
refreshes gauges that are read rather than counted (the services' shared breaker states) just
before each scrape; a failure there is logged and the scrape still answers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from shared.logs import get_logger

__all__ = ["MetricsServer"]

log = get_logger(__name__)


class MetricsServer:
    def __init__(
        self,
        host: str,
        port: int,
        registry: CollectorRegistry = REGISTRY,
        on_scrape: Callable[[], Awaitable[Any]] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self._registry = registry
        self._on_scrape = on_scrape
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/livez", self._livez)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            address = self._runner.addresses[0]
            self.port = int(address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _metrics(self, _: web.Request) -> web.Response:
        if self._on_scrape is not None:
            try:
                await self._on_scrape()
            except Exception:
                log.warning("metrics_refresh_failed", exc_info=True)
        body = generate_latest(self._registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _livez(self, _: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
