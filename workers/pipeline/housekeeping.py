"""Periodic clean-up of the gateway's own tables, run as arq cron jobs (``workers.pipeline.queue``).

The inline keyboard cache turns an expired row into a "this button is out of date" answer when
someone presses it, but nothing else ever deletes it; without this job the table only grows.
"""

from __future__ import annotations

from typing import Any

from shared.logs import get_logger
from workers.bot.metrics.rollup import RUNTIME_CTX_KEY

__all__ = ["purge_keyboard_cache"]

log = get_logger(__name__)


async def purge_keyboard_cache(ctx: dict[str, Any]) -> int | None:
    """arq cron job: delete expired ``inline_keyboard_cache`` rows (skipped without a runtime)."""
    runtime = ctx.get(RUNTIME_CTX_KEY)
    if runtime is None:
        log.debug("keyboard_cache_purge_skipped", reason="no bot runtime in this worker")
        return None
    # Imported here: a worker without the bot (a bench handler) need not load aiogram for it.
    from workers.bot.core.ui.kbcache import KeyboardCache

    return await KeyboardCache(runtime.sessionmaker).purge_expired()
