"""Running the receiver: webhook mode under a production ASGI server, or the long-polling loop.

Webhook mode serves :func:`ingest.app.create_app` with uvicorn (uvloop + httptools) or granian,
``workers`` processes sharing the listening socket. uvicorn is the default because it measured
better on this app: about 20k requests per CPU-second against granian's 13k in
``python -m bench.ingest --targets receiver,receiver-granian``, and tests and the dev stack embed
uvicorn, so production runs the server code the tests exercise. With several processes, metrics
go through prometheus-client's multiprocess directory (see :mod:`ingest.metrics`).

Polling mode is one process: the poller plus an embedded uvicorn serving ``/health``, ``/ready`` and
``/metrics`` on the same loop. More processes would only be more standbys; replicas for
availability are separate deployments, and the lease elects one poller among them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import uvicorn

from ingest.app import IngestApp
from ingest.bot_api import BotApi, BotApiError, InvalidToken, RateLimited
from ingest.guard import granian_options, uvicorn_options
from ingest.internal import InternalApp
from ingest.metrics import MULTIPROC_ENV, IngestMetrics
from ingest.poller import Poller, stop
from ingest.redis_client import create_ingest_redis
from ingest.update_types import ALLOWED_UPDATES
from shared.events.metrics import render_intake
from shared.logs import get_logger
from shared.settings import Settings

__all__ = [
    "EXIT_BAD_TOKEN",
    "BadTokenExit",
    "ServerKind",
    "bot_api",
    "multiprocess_metrics",
    "run_polling",
    "run_webhook",
    "serve_internal",
    "set_webhook",
]

ServerKind = Literal["uvicorn", "granian"]
EXIT_BAD_TOKEN = 3
APP_FACTORY = "ingest.app:create_app"
log = get_logger(__name__)


class BadTokenExit(Exception):
    """Telegram rejected the token: the process must stop with a clear message."""

    def __init__(self, error: BotApiError) -> None:
        super().__init__(
            f"Telegram rejected the bot token ({error}); check TELEGRAM_BOT_TOKEN "
            "and TELEGRAM_API_URL"
        )


def bot_api(settings: Settings) -> BotApi:
    return BotApi(
        settings.telegram.api_url,
        settings.telegram.bot_token.get_secret_value(),
        timeout=settings.http.timeout,
        connect_timeout=settings.http.connect_timeout,
    )


async def set_webhook(settings: Settings, attempts: int = 5) -> None:
    """``setWebhook`` with the configured URL, secret, update types and limits; retried briefly."""
    tg = settings.telegram
    assert tg.webhook_url, "validated by settings"
    api = bot_api(settings)
    try:
        for attempt in range(1, attempts + 1):
            try:
                await api.set_webhook(
                    tg.webhook_url,
                    secret_token=tg.webhook_secret.get_secret_value()
                    if tg.webhook_secret
                    else None,
                    allowed_updates=ALLOWED_UPDATES,
                    max_connections=tg.webhook_max_connections,
                    drop_pending_updates=tg.drop_pending_updates,
                )
            except InvalidToken as exc:
                raise BadTokenExit(exc) from None
            except BotApiError as exc:
                if attempt == attempts:
                    raise
                delay = exc.retry_after if isinstance(exc, RateLimited) else 0.5 * 2**attempt
                log.warning("set_webhook_failed", error=str(exc), retry_in=delay)
                await asyncio.sleep(delay)
                continue
            log.info(
                "webhook_set",
                allowed_updates=list(ALLOWED_UPDATES),
                max_connections=tg.webhook_max_connections,
                drop_pending_updates=tg.drop_pending_updates,
            )
            return
    finally:
        await api.aclose()


@contextlib.contextmanager
def multiprocess_metrics(workers: int) -> Iterator[None]:
    """Give several worker processes one metrics directory, wiped at start and removed at exit."""
    if workers <= 1:
        yield
        return
    given = os.environ.get(MULTIPROC_ENV)
    path = Path(given) if given else Path(tempfile.mkdtemp(prefix="bgw-ingest-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(path)
    try:
        yield
    finally:
        if not given:
            shutil.rmtree(path, ignore_errors=True)
            os.environ.pop(MULTIPROC_ENV, None)


def run_webhook(
    settings: Settings, *, host: str, port: int, workers: int, server: ServerKind
) -> None:
    """Serve until SIGTERM/SIGINT; blocks."""
    if settings.telegram.set_webhook:
        asyncio.run(set_webhook(settings))
    log.info("ingest_starting", mode="webhook", server=server, workers=workers, port=port)
    with multiprocess_metrics(workers), _internal_thread(settings):
        if server == "granian":
            _run_granian(settings, host, port, workers)
        else:
            uvicorn.run(
                APP_FACTORY,
                factory=True,
                host=host,
                port=port,
                workers=workers,
                loop="uvloop",
                lifespan="on",
                log_config=None,
                access_log=False,
                server_header=False,
                # X-Forwarded-For would only name the client in rejection logs; not worth
                # parsing on every request.
                proxy_headers=False,
                timeout_graceful_shutdown=10,
                # Read deadlines, connection cap, keep-alive (see ingest.guard).
                **uvicorn_options(settings),
            )


def _run_granian(settings: Settings, host: str, port: int, workers: int) -> None:
    import multiprocessing

    from granian import Granian
    from granian.constants import HTTPModes, Interfaces, Loops

    # Fresh interpreters: a forked worker would inherit prometheus-client already set up for a
    # single process (the parent imported it before PROMETHEUS_MULTIPROC_DIR was set).
    multiprocessing.set_start_method("spawn", force=True)
    Granian(
        APP_FACTORY,
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.uvloop,
        http=HTTPModes.http1,
        websockets=False,
        log_enabled=False,
        **granian_options(settings),
    ).serve()


def _process_metrics() -> tuple[bytes, str]:
    """What this process exposes besides the intake: every webhook process aggregated when
    there are several, else this process's default registry."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    path = os.environ.get(MULTIPROC_ENV)
    if path:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=path)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def _with_intake(render: Callable[[], tuple[bytes, str]]) -> Callable[[], tuple[bytes, str]]:
    def both() -> tuple[bytes, str]:
        text, content_type = render()
        return render_intake() + text, content_type

    return both


async def serve_internal(
    settings: Settings,
    stopping: asyncio.Event,
    render_metrics: Callable[[], tuple[bytes, str]] = _process_metrics,
    *,
    started: Callable[[int], None] | None = None,
) -> None:
    """Serve the internal listener (events, metrics) until ``stopping`` is set.

    ``started`` is told the bound port (``INTERNAL_PORT=0`` picks a free one).
    """
    redis = create_ingest_redis(settings.redis, settings.ingest.redis_timeout)
    app = InternalApp(settings, redis, _with_intake(render_metrics))
    config = uvicorn.Config(
        app,
        host=settings.internal.host,
        port=settings.internal.port,
        lifespan="off",
        log_config=None,
        access_log=False,
        server_header=False,
    )
    server = _EmbeddedServer(config)
    serving = asyncio.create_task(server.serve(), name="ingest-internal")
    try:
        while not server.started:
            if serving.done():
                serving.result()
                raise RuntimeError("the internal listener stopped during start-up")
            await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        log.info("internal_listening", host=settings.internal.host, port=port)
        if started is not None:
            started(port)
        waiting = asyncio.create_task(stopping.wait())
        await asyncio.wait({serving, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
    finally:
        server.should_exit = True
        await asyncio.gather(serving, return_exceptions=True)
        await redis.aclose()


@contextlib.contextmanager
def _internal_thread(settings: Settings) -> Iterator[None]:
    """Webhook mode: the internal listener on a loop of its own in this (the parent) process,
    whatever the webhook server and its process count."""
    import uvloop

    loop = uvloop.new_event_loop()
    stopping = asyncio.Event()
    failed: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(serve_internal(settings, stopping))
        except BaseException as exc:
            failed.append(exc)
            log.error("internal_listener_failed", error=repr(exc))

    thread = threading.Thread(target=run, name="ingest-internal", daemon=True)
    thread.start()
    try:
        yield
    finally:
        if thread.is_alive():
            loop.call_soon_threadsafe(stopping.set)
            thread.join(timeout=10)


class _EmbeddedServer(uvicorn.Server):
    """uvicorn without its own signal handling: the polling runner owns SIGTERM/SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def run_polling(settings: Settings, *, host: str, port: int) -> int:
    """Poll (or stand by) and serve health endpoints until a signal; the process exit code.

    Raises :class:`BadTokenExit` when Telegram rejects the token.
    """
    app = IngestApp(settings, mode="polling", metrics=IngestMetrics())
    await app.startup()
    api = bot_api(settings)
    try:
        await _check_token(api)
        return await _serve_and_poll(settings, app, api, host, port)
    finally:
        await api.aclose()
        await app.shutdown()


async def _serve_and_poll(
    settings: Settings, app: IngestApp, api: BotApi, host: str, port: int
) -> int:
    poller = Poller(settings, app.redis, app.pipeline, api, app.metrics, recorder=app.recorder())
    app.health_extras = lambda: {"poller": poller.role, "lease_epoch": poller.lease.epoch}
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="off",
        log_config=None,
        access_log=False,
        server_header=False,
        **uvicorn_options(settings),
    )
    server = _EmbeddedServer(config)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    log.info("ingest_starting", mode="polling", port=port, owner=poller.lease.owner)
    serving = asyncio.create_task(server.serve(), name="ingest-http")
    polling = asyncio.create_task(poller.run(), name="ingest-poller")
    internal = asyncio.create_task(
        serve_internal(settings, stopping, app.metrics.render), name="ingest-internal"
    )
    waiting = asyncio.create_task(stopping.wait())
    try:
        done, _ = await asyncio.wait(
            {serving, polling, internal, waiting}, return_when=asyncio.FIRST_COMPLETED
        )
        signalled = stopping.is_set()
    finally:
        app.draining = True
        waiting.cancel()
        await stop(polling)  # releases the lease, so a standby takes over at once
        server.should_exit = True
        await serving
        stopping.set()
        await asyncio.gather(internal, return_exceptions=True)
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    if polling in done and (error := polling.exception()) is not None:
        if isinstance(error, InvalidToken):
            raise BadTokenExit(error)
        log.error("poller_crashed", error=repr(error))
        return 1
    if internal in done and (error := internal.exception()) is not None:
        log.error("internal_listener_failed", error=repr(error))
        return 1
    if serving in done and not signalled:
        return 1  # the HTTP server stopped on its own
    log.info("ingest_stopped")
    return 0


async def _check_token(api: BotApi) -> None:
    """Fail fast on a wrong token, before standing by for a lease we could never use."""
    try:
        await api.get_me()
    except InvalidToken as exc:
        raise BadTokenExit(exc) from None
    except BotApiError as exc:
        log.warning("telegram_unreachable_at_start", error=str(exc))
