"""``bot_metrics`` rows, buffered in the worker and inserted in batches.

One row per fact: ``response_time`` (handler duration, ms) for every update that reached a
handler, ``command_usage`` for each command run, ``user_action`` for each button tap (named by
its callback-data prefix, never the data itself), ``error`` for each permanent failure (named by
the exception class). Rows go to the database every ``WORKER_METRICS_BATCH_SIZE`` rows or
``WORKER_METRICS_FLUSH_SECONDS`` seconds, and at shutdown.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db.models import BotMetric, MetricKind
from workers.bot.core.batching import BatchWriter
from workers.bot.core.context import UpdateContext
from workers.bot.metrics.prom import METRIC_ROWS

__all__ = ["MetricsRecorder"]

_COLUMNS = ("kind", "name", "value", "labels", "telegram_user_id", "chat_id", "occurred_at")
_encode = json.dumps


class MetricsRecorder:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        batch_size: int,
        flush_seconds: float,
    ) -> None:
        self._sessionmaker = sessionmaker
        self.writer: BatchWriter[dict[str, Any]] = BatchWriter(
            "bot_metrics",
            self._write,
            batch_size=batch_size,
            interval=flush_seconds,
            on_drop=lambda n: METRIC_ROWS.labels("dropped").inc(n),
        )

    def record(
        self,
        kind: MetricKind,
        name: str,
        value: float = 1.0,
        *,
        labels: dict[str, Any] | None = None,
        user_id: int | None = None,
        chat_id: int | None = None,
        at: datetime | None = None,
    ) -> None:
        self.writer.add(
            {
                "kind": kind,
                "name": name[:100],
                "value": value,
                "labels": labels or {},
                "telegram_user_id": user_id,
                "chat_id": chat_id,
                "occurred_at": at or datetime.now(UTC),
            }
        )

    def record_update(self, ctx: UpdateContext, duration_ms: float) -> None:
        """The rows one processed update gives."""
        who: dict[str, Any] = {"user_id": ctx.user_id, "chat_id": ctx.chat_id}
        if ctx.outcome in ("handled", "failed"):
            self.record(
                "response_time",
                ctx.handler or ctx.update_type,
                duration_ms,
                labels={"update_type": ctx.update_type, "outcome": ctx.outcome},
                **who,
            )
        if ctx.outcome == "handled":
            if ctx.command:
                self.record("command_usage", ctx.command, **who)
            if ctx.callback_prefix:
                self.record("user_action", ctx.callback_prefix, **who)
        if ctx.outcome == "failed":
            self.record(
                "error",
                ctx.error or "unknown",
                labels={"update_type": ctx.update_type, "handler": ctx.handler},
                **who,
            )

    async def _write(self, rows: list[dict[str, Any]]) -> None:
        # COPY: one message per batch, no SQL to compile, no per-row parameter processing.
        records = [
            tuple(_encode(row[c]) if c == "labels" else row[c] for c in _COLUMNS) for row in rows
        ]
        async with self._sessionmaker() as db, db.begin():
            connection = await db.connection()
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            await driver.copy_records_to_table(
                BotMetric.__tablename__, records=records, columns=_COLUMNS
            )
        METRIC_ROWS.labels("written").inc(len(rows))
