"""The bot runtime of a worker process: aiogram inside the pipeline's arq worker.

``bot-gateway worker`` calls :func:`create_handler` once at start-up with arq's ``ctx``; it builds
the runtime (:func:`~workers.bot.runtime.factory.build_runtime`), keeps it in ``ctx["bot_runtime"]``
(for cron jobs such as the metrics rollup) and returns the per-update callback and the shutdown
coroutine.

The heavy modules are imported on first use, so the small ones in this package (context, texts,
failures) can be imported by the middlewares without a cycle.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from workers.bot.metrics.rollup import RUNTIME_CTX_KEY

if TYPE_CHECKING:
    from workers.bot.runtime.factory import BotRuntime, build_runtime
    from workers.bot.runtime.handler import UpdateProcessor

__all__ = ["RUNTIME_CTX_KEY", "BotRuntime", "UpdateProcessor", "build_runtime", "create_handler"]


async def create_handler(
    ctx: dict[str, Any],
) -> tuple[UpdateProcessor, Callable[[], Awaitable[None]]]:
    """The pipeline's handler factory: ``(handler, shutdown)`` for this worker process."""
    from shared.settings import Settings, load_settings
    from workers.bot.runtime.factory import build_runtime
    from workers.bot.runtime.handler import UpdateProcessor

    settings = ctx.get("settings")
    if not isinstance(settings, Settings):
        settings = load_settings()
    runtime = await build_runtime(settings)
    ctx[RUNTIME_CTX_KEY] = runtime
    return UpdateProcessor(runtime), runtime.close


def __getattr__(name: str) -> Any:
    if name in ("BotRuntime", "build_runtime"):
        from workers.bot.runtime import factory

        return getattr(factory, name)
    if name == "UpdateProcessor":
        from workers.bot.runtime import handler

        return handler.UpdateProcessor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
