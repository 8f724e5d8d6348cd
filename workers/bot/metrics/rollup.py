"""Hourly and daily aggregates of ``bot_metrics``, and pruning of raw rows past retention.

:func:`rollup` recomputes, from the raw rows, every hour and every business day (Asia/Tashkent,
UTC+5) from the start of yesterday (Tashkent) up to now, and upserts them into
``bot_metrics_rollup``. Recomputing whole periods rather than adding increments makes a run
idempotent: running twice, or on two workers at once, or after late rows arrived, gives the same
table. The window covers at least the last 24 hours, so an hourly run never misses a period;
raw rows are only pruned after ``WORKER_METRICS_RETENTION_DAYS`` (at least 3), long after
they were rolled up.

:func:`rollup_metrics` is the arq cron entry point (listed in ``workers.bot.jobs``), run
hourly; it finds the session factory in the worker context that
:func:`workers.bot.runtime.create_handler`
filled.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.logs import get_logger

__all__ = ["BUSINESS_TZ", "RUNTIME_CTX_KEY", "rollup", "rollup_metrics", "window_start"]

log = get_logger(__name__)
BUSINESS_TZ: Final = "Asia/Tashkent"
RUNTIME_CTX_KEY: Final = "bot_runtime"
_TASHKENT_OFFSET: Final = timedelta(hours=5)

_UPSERT: Final = """
INSERT INTO bot_metrics_rollup (period, kind, name, period_start, count, sum, min, max)
SELECT :period, kind, name, {bucket} AS period_start,
       count(*), sum(value), min(value), max(value)
FROM bot_metrics
WHERE occurred_at >= :since AND occurred_at < :until
GROUP BY kind, name, period_start
ON CONFLICT (period, kind, name, period_start) DO UPDATE
SET count = EXCLUDED.count, sum = EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max
"""
# Truncation happens on UTC wall time, so the database session's TimeZone cannot shift buckets.
_HOUR: Final = "(date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
_DAY: Final = (
    f"(date_trunc('day', occurred_at AT TIME ZONE '{BUSINESS_TZ}') AT TIME ZONE '{BUSINESS_TZ}')"
)
_PRUNE: Final = "DELETE FROM bot_metrics WHERE occurred_at < :cutoff"


def window_start(now: datetime) -> datetime:
    """Midnight (Asia/Tashkent) of the day before ``now``, in UTC."""
    local = now.astimezone(UTC) + _TASHKENT_OFFSET
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    return midnight - _TASHKENT_OFFSET


async def rollup(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    retention_days: int,
    now: datetime | None = None,
) -> dict[str, int]:
    now = now or datetime.now(UTC)
    since = window_start(now)
    # The current (incomplete) hour and day are included: they are recomputed on the next run.
    until = now + timedelta(hours=1)
    cutoff = now - timedelta(days=max(retention_days, 3))  # the settings floor, for direct calls
    params = {"since": since, "until": until}
    async with sessionmaker() as db, db.begin():
        hours = await db.execute(text(_UPSERT.format(bucket=_HOUR)), {"period": "hour", **params})
        days = await db.execute(text(_UPSERT.format(bucket=_DAY)), {"period": "day", **params})
        pruned = await db.execute(text(_PRUNE), {"cutoff": cutoff})
    result = {
        "hours": _rowcount(hours),
        "days": _rowcount(days),
        "pruned": _rowcount(pruned),
    }
    log.info("metrics_rolled_up", **result)
    return result


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def rollup_metrics(ctx: dict[str, Any]) -> dict[str, int] | None:
    """arq cron job: roll up and prune with this worker's runtime (skipped without one)."""
    runtime = ctx.get(RUNTIME_CTX_KEY)
    if runtime is None:
        log.debug("metrics_rollup_skipped", reason="no bot runtime in this worker")
        return None
    return await rollup(
        runtime.sessionmaker, retention_days=runtime.settings.worker.metrics_retention_days
    )
