"""A handler factory for process-level tests: each update takes a while and is logged in Redis.

``bot-gateway worker --handler tests.devtools.slow_handler:factory``: every handled update is
appended to ``<prefix>:handled`` as ``<update_id>:<pid>:<unix time>`` when it finishes.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from shared.connections import create_redis
from shared.settings import load_settings
from workers.pipeline.drain import UpdateHandler, UpdateMeta

DELAY = 0.25


def handled_key(prefix: str) -> str:
    return f"{prefix}:handled"


async def factory(ctx: dict[str, Any]) -> tuple[UpdateHandler, Any]:
    settings = load_settings()
    redis = create_redis(settings.redis.url)
    key = handled_key(settings.redis.key_prefix)

    async def handler(raw: bytes, meta: UpdateMeta) -> None:
        await asyncio.sleep(DELAY)
        await redis.rpush(key, f"{meta.update_id}:{os.getpid()}:{time.time()}")  # type: ignore[misc]

    async def shutdown() -> None:
        await redis.aclose()

    return handler, shutdown
