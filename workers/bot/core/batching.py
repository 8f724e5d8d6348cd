"""A background writer that flushes buffered rows every N items or T seconds, and on close.

Used for ``bot_metrics`` rows and ``bot_sessions`` upserts: one database round trip per batch
instead of one per update. Items given a ``key`` are coalesced while they wait (``merge(older,
newer)``), so a chat that sends fifty messages between two flushes costs one session row, not
fifty. A failed flush keeps its items (up to ``max_pending``) and tries again on the next tick,
so a short database outage costs nothing but a delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from shared.logs import get_logger

__all__ = ["BatchWriter"]

T = TypeVar("T")
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

    def add(self, item: T, key: Hashable | None = None) -> None:
        """Buffer ``item``; one with the ``key`` of a waiting item is merged into it."""
        if key is None or self._merge is None:
            key = _Anon(next(self._ids))
        elif (older := self._pending.get(key)) is not None:
            item = self._merge(older, item)
        self._pending[key] = item
        if len(self._pending) >= self._batch_size:
            self._full.set()

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
            # Oldest first: under a long outage the newest rows are the useful ones.
            for key in list(itertools.islice(self._pending, overflow)):
                del self._pending[key]
            if self._on_drop is not None:
                self._on_drop(overflow)
            log.warning("batch_rows_dropped", writer=self.name, rows=overflow)

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
