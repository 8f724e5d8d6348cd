"""What happened, in order: every Bot API call and every chat's transcript, with waiters.

Waiters are event-based (:class:`~devkit.fakes.telegram.signals.Signal`) and count over the whole
history since the last reset, so ``wait_for(..., count=3)`` returns the third matching call even if
it was recorded before the wait began — no race between acting and starting to wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from devkit.fakes.telegram.model import CallRecord, Direction, TranscriptEntry, UploadInfo
from devkit.fakes.telegram.signals import Signal

__all__ = ["Journal"]


class _Counter:
    """Scans a growing list once, remembering where it stopped."""

    def __init__(
        self, items: Callable[[], list[Any]], predicate: Callable[[Any], bool], count: int
    ) -> None:
        self._source = items
        self._items = items()
        self._predicate = predicate
        self._count = count
        self._index = 0
        self._matched = 0

    def __call__(self) -> Any:
        if self._source() is not self._items:  # the journal was reset: count afresh
            self._items, self._index, self._matched = self._source(), 0, 0
        while self._index < len(self._items):
            item = self._items[self._index]
            self._index += 1
            if self._predicate(item):
                self._matched += 1
                if self._matched == self._count:
                    return item
        return None


class Journal:
    def __init__(self) -> None:
        self.calls: list[CallRecord] = []
        self.entries: list[TranscriptEntry] = []
        self._seq = 0
        self._calls_changed = Signal()
        self._entries_changed = Signal()

    def _clear_journal(self) -> None:
        # New lists (not .clear()): waiters notice the identity change and count afresh.
        self.calls = []
        self.entries = []
        self._calls_changed.notify()
        self._entries_changed.notify()

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def record_call(
        self,
        method: str,
        bot_id: int | None,
        params: dict[str, Any],
        uploads: dict[str, UploadInfo],
        status: int,
        result: Any = None,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> CallRecord:
        record = CallRecord(
            seq=self._next_seq(),
            method=method,
            bot_id=bot_id,
            params=params,
            uploads=uploads,
            time=time.time(),
            status=status,
            result=result,
            description=description,
            retry_after=retry_after,
        )
        self.calls.append(record)
        self._calls_changed.notify()
        return record

    def add_entry(
        self,
        chat_id: int,
        direction: Direction,
        kind: str,
        **fields: Any,
    ) -> TranscriptEntry:
        entry = TranscriptEntry(
            seq=self._next_seq(),
            time=time.time(),
            chat_id=chat_id,
            direction=direction,
            kind=kind,
            **fields,
        )
        self.entries.append(entry)
        self._entries_changed.notify()
        return entry

    def calls_to(
        self, method: str | None = None, chat_id: int | str | None = None, ok: bool | None = None
    ) -> list[CallRecord]:
        """Recorded calls, oldest first, filtered by method, ``chat_id`` param and outcome."""
        return [c for c in self.calls if _call_matches(c, method, chat_id, ok)]

    def transcript(
        self, chat_id: int | None = None, direction: Direction | None = None
    ) -> list[TranscriptEntry]:
        return [
            e
            for e in self.entries
            if (chat_id is None or e.chat_id == chat_id)
            and (direction is None or e.direction == direction)
        ]

    async def wait_for(
        self,
        predicate: Callable[[CallRecord], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 — a deadline is part of the assertion API
        *,
        count: int = 1,
    ) -> CallRecord:
        """The ``count``-th recorded call matching ``predicate``; ``TimeoutError`` otherwise."""
        check = _Counter(lambda: self.calls, predicate, count)
        return await self._calls_changed.wait_until(check, timeout, "a matching Bot API call")

    async def wait_for_call(
        self,
        method: str,
        *,
        chat_id: int | str | None = None,
        ok: bool | None = None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 — a deadline is part of the assertion API
    ) -> CallRecord:
        """E.g. ``await state.wait_for_call("sendMessage", chat_id=42, count=2)``."""
        return await self.wait_for(
            lambda c: _call_matches(c, method, chat_id, ok), count=count, timeout=timeout
        )

    async def wait_for_entry(
        self,
        chat_id: int | None = None,
        predicate: Callable[[TranscriptEntry], bool] | None = None,
        *,
        direction: Direction | None = "out",
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 — a deadline is part of the assertion API
    ) -> TranscriptEntry:
        """The ``count``-th transcript entry (the bot's, by default) matching the filters."""

        def matches(entry: TranscriptEntry) -> bool:
            return (
                (chat_id is None or entry.chat_id == chat_id)
                and (direction is None or entry.direction == direction)
                and (predicate is None or predicate(entry))
            )

        check = _Counter(lambda: self.entries, matches, count)
        return await self._entries_changed.wait_until(check, timeout, "a transcript entry")


def _call_matches(
    call: CallRecord, method: str | None, chat_id: int | str | None, ok: bool | None
) -> bool:
    return (
        (method is None or call.method.lower() == method.lower())
        and (chat_id is None or call.chat_id == chat_id)
        and (ok is None or call.ok == ok)
    )
