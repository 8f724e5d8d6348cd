"""``bot-gateway worker``: run one drain worker process (scale by starting more)."""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from shared.settings import Settings
    from workers.pipeline.drain import HandlerFactory
    from workers.pipeline.queue import WakeWorker

__all__ = [
    "DEFAULT_HANDLER",
    "assemble_worker",
    "load_handler_factory",
    "new_event_loop",
    "register",
    "run_worker",
]

DEFAULT_HANDLER = "workers.bot.runtime:create_handler"


class HandlerLoadError(Exception):
    pass


def load_handler_factory(spec: str) -> Any:
    """Resolve ``module:callable``; HandlerLoadError with a one-line reason when it cannot."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise HandlerLoadError(f"--handler must look like module:factory, got {spec!r}")
    # Like uvicorn's --app-dir ".": a factory in the working directory resolves without install.
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise HandlerLoadError(
                f"handler module {module_name!r} does not exist (yet); "
                f"pass --handler module:factory"
            ) from None
        raise
    factory = getattr(module, attr, None)
    if factory is None or not callable(factory):
        raise HandlerLoadError(f"{module_name!r} has no handler factory {attr!r}")
    return factory


def register(app: typer.Typer) -> None:
    @app.command("worker")
    def worker(
        handler: Annotated[
            str,
            typer.Option(help="Handler factory module:callable (given arq ctx at start-up)."),
        ] = DEFAULT_HANDLER,
        burst: Annotated[
            bool, typer.Option("--burst", help="Exit once the activation queue is empty.")
        ] = False,
    ) -> None:
        """Run a drain worker: per-chat ordered processing of queued updates."""
        from shared.cli import settings_or_exit, setup_logging

        settings = settings_or_exit()
        setup_logging(settings, service="worker")
        if settings.app.log_level != "DEBUG":
            # arq logs two lines per job run; our own lines say what matters.
            logging.getLogger("arq").setLevel(logging.WARNING)
        try:
            factory = load_handler_factory(handler)
        except HandlerLoadError as exc:
            typer.echo(f"worker: {exc}", err=True)
            raise typer.Exit(2) from None
        run_worker(settings, factory, burst=burst)


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop, as the ingest runs on: measured with ``python -m bench.worker``, the worker needs
    about a fifth less CPU per update than on asyncio's own loop."""
    import uvloop

    return uvloop.new_event_loop()


def assemble_worker(settings: Settings, factory: HandlerFactory, **options: Any) -> WakeWorker:
    """The pipeline's worker with the bot's own jobs (hourly clean-ups, broadcast senders): the one
    place the queue side and the bot meet (``options`` go to
    :func:`workers.pipeline.queue.build_worker`)."""
    from workers.bot.jobs import BOT_JOBS
    from workers.pipeline.queue import build_worker

    return build_worker(settings, factory, jobs=BOT_JOBS, **options)


def run_worker(settings: Settings, factory: HandlerFactory, *, burst: bool = False) -> None:
    """Build the worker on a fresh uvloop loop and run it until it is told to stop."""
    # arq's Worker takes the current event loop when it is constructed.
    asyncio.set_event_loop(new_event_loop())
    assemble_worker(settings, factory, burst=burst).run()
