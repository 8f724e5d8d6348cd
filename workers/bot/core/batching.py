"""A background writer that flushes buffered rows every N items or T seconds, and on close.

Used for ``bot_metrics`` rows and ``bot_sessions`` upserts: one database round trip per batch
instead of one per update. Items given a ``key`` are coalesced while they wait (``merge(older,
newer)``), so a chat that sends fifty messages between two flushes costs one session row, not
fifty. A failed flush keeps its items and tries again on the next tick, so a short database
outage costs nothing but a delay. The buffer never holds more than ``max_pending`` items: past it
the oldest are dropped (``on_drop`` counts them, a warning is logged), on add as well as after a
failed flush, so a long outage costs the oldest rows, never the worker's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from shared.logs import get_logger

__all__ = ["BatchWriter"]

T = TypeVar("T")
# Seconds between two "rows dropped" lines of one writer (a long outage drops one per update).
DROP_LOG_INTERVAL = 10.0
log = get_logger(__name__)


class _Anon(int):
    """The key of an item buffered without one (never merged)."""


class BatchWriter(Generic[T]):
    """Collects items; ``write(batch)`` persists one batch (oldest first)."""

    def __init__(
        self,
        name: str,
        write: Callable[[list[T]], Awaitable[None]],
        *,
        batch_size: int,
        interval: float,
        max_pending: int | None = None,
        on_drop: Callable[[int], None] | None = None,
        merge: Callable[[T, T], T] | None = None,
    ) -> None:
        self.name = name
        self._write = write
        self._batch_size = batch_size
        self._interval = interval
        self._max_pending = max_pending or batch_size * 20
        self._on_drop = on_drop
        self._merge = merge
        self._pending: dict[Hashable, T] = {}
        self._ids = itertools.count()
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._dropped = 0
        self._drop_logged = -DROP_LOG_INTERVAL

    def add(self, item: T, key: Hashable | None = None) -> None:
        """Buffer ``item``; one with the ``key`` of a waiting item is merged into it."""
        if key is None or self._merge is None:
            key = _Anon(next(self._ids))
        elif (older := self._pending.get(key)) is not None:
            item = self._merge(older, item)
        self._pending[key] = item
        if len(self._pending) > self._max_pending:
            self._drop_oldest(len(self._pending) - self._max_pending)
        if len(self._pending) >= self._batch_size:
            self._full.set()

    def _drop_oldest(self, n: int) -> None:
        # Oldest first: under a long outage the newest rows are the useful ones.
        for key in list(itertools.islice(self._pending, n)):
            del self._pending[key]
        if self._on_drop is not None:
            self._on_drop(n)
        self._dropped += n
        now = time.monotonic()
        if now - self._drop_logged >= DROP_LOG_INTERVAL:  # one line per interval, not per row
            log.warning("batch_rows_dropped", writer=self.name, rows=self._dropped)
            self._dropped, self._drop_logged = 0, now

    @property
    def pending(self) -> int:
        return len(self._pending)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"batch-writer-{self.name}")

    async def flush(self) -> None:
        """Write everything buffered now (in batches); a failure keeps the items for later."""
        async with self._lock:
            while self._pending:
                keys = list(itertools.islice(self._pending, self._batch_size))
                batch = {k: self._pending.pop(k) for k in keys}
                try:
                    await self._write(list(batch.values()))
                except Exception:
                    log.exception("batch_write_failed", writer=self.name, rows=len(batch))
                    self._requeue(batch)
                    return

    def _requeue(self, batch: dict[Hashable, T]) -> None:
        newer, self._pending = self._pending, batch
        for key, item in newer.items():
            self.add(item, None if isinstance(key, _Anon) else key)
        overflow = len(self._pending) - self._max_pending
        if overflow > 0:
            self._drop_oldest(overflow)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self._interval)
            self._full.clear()
            await self.flush()

    async def close(self) -> None:
        """Stop the timer and write what is left."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()
