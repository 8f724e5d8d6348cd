"""``--handler`` of worker processes started by the runtime tests: the real bot runtime (metrics
port from ``WORKER_METRICS_PORT``, as in production) with the test router and no menu publishing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from shared.settings import load_settings
from tests.runtime.bot import create_router
from workers.bot.runtime import RUNTIME_CTX_KEY, UpdateProcessor, build_runtime


async def create_handler(
    ctx: dict[str, Any],
) -> tuple[UpdateProcessor, Callable[[], Awaitable[None]]]:
    runtime = await build_runtime(
        load_settings(), routers=[create_router()], publish_commands=False
    )
    ctx[RUNTIME_CTX_KEY] = runtime
    return UpdateProcessor(runtime), runtime.close
