"""The worker's own HTTP port: ``GET /metrics`` (Prometheus text format) and ``GET /livez``.

Served by aiohttp (already there for aiogram) inside the worker's event loop, so ``/livez``
answering proves the loop is not stuck. ``WORKER_METRICS_PORT=0`` turns it off. When the port is
taken (a second worker on the same host, as "scale by starting more" allows), the next free one
of the following ``PORT_SEARCH`` ports is used and logged; when none is free the worker runs on
without a metrics port and says so: a busy port never stops a worker. ``on_scrape``
refreshes gauges that are read rather than counted (the services' shared breaker states) just
before each scrape; a failure there is logged and the scrape still answers.
"""

from __future__ import annotations

import errno
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

from shared.logs import get_logger

__all__ = ["PORT_SEARCH", "MetricsServer"]

log = get_logger(__name__)

# How many ports after the configured one a worker tries when that one is taken.
PORT_SEARCH = 20


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

    @property
    def serving(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        """Listen on the configured port, else on the next free one; never raises for a busy
        port (the worker's job is draining updates, the port only reports on it)."""
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/livez", self._livez)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        wanted = self.port
        candidates = [wanted] if wanted == 0 else range(wanted, min(wanted + PORT_SEARCH, 65536))
        for port in candidates:
            site = web.TCPSite(runner, self.host, port)
            try:
                await site.start()
            except OSError as exc:
                await site.stop()  # unregister the site that did not bind
                if exc.errno != errno.EADDRINUSE:
                    await runner.cleanup()
                    log.warning(
                        "metrics_port_unavailable", port=port, error=f"{type(exc).__name__}: {exc}"
                    )
                    return
                continue
            self._runner = runner
            self.port = int(runner.addresses[0][1]) if port == 0 else port
            if port != wanted:
                log.warning("metrics_port_in_use", wanted=wanted, port=self.port)
            return
        await runner.cleanup()
        log.warning(
            "metrics_port_in_use", wanted=wanted, tried=len(candidates), port=None, serving=False
        )

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
