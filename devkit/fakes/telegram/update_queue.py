"""The bot's queue of pending updates, as Telegram keeps it for ``getUpdates`` and webhooks.

* ``update_id`` increases by one per update, across all chats, and (with
  :meth:`UpdateQueue.persist_ids`) across restarts of the fake too: Telegram's ids are monotonic
  per bot, and the gateway's per-chat dedup drops a restarted fake's low ids as redeliveries.
* An update stays pending until confirmed: ``getUpdates`` with ``offset`` greater than its id, or
  a 2xx answer from the webhook. A negative ``offset`` keeps only the last ``-offset`` updates.
* ``allowed_updates`` applies when an update is created, so changing it never drops updates that
  are already queued; the default excludes ``chat_member``, ``message_reaction`` and
  ``message_reaction_count``, as in the Bot API.
* One long poll at a time: a newer ``getUpdates`` ends the waiting one with 409 "terminated by
  other getUpdates request". Waiting is on futures resolved when an update arrives, never a loop.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from devkit.fakes.telegram.errors import conflict
from devkit.fakes.telegram.signals import Signal

__all__ = ["DEFAULT_EXCLUDED", "UpdateQueue", "update_type"]

DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
TERMINATED = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)


def update_type(update: dict[str, Any]) -> str:
    return next((key for key in update if key != "update_id"), "")


class UpdateQueue:
    def __init__(self, first_update_id: int = 1) -> None:
        self.first_update_id = first_update_id
        self.next_update_id = first_update_id
        self.pending: list[dict[str, Any]] = []
        self.allowed_updates: frozenset[str] | None = None
        self.changed = Signal()  # an update was added or confirmed
        self.poll_started = Signal()
        self._poll: asyncio.Future[str] | None = None
        self.closed = False
        self._id_file: Path | None = None

    def persist_ids(self, path: Path) -> None:
        """Continue numbering from ``path`` (if it exists) and keep it current from now on."""
        self._id_file = path
        try:
            saved = int(json.loads(path.read_text())["next_update_id"])
        except (OSError, ValueError, KeyError, TypeError):
            saved = 0
        self.next_update_id = max(self.next_update_id, saved)
        self._save_ids()

    def _save_ids(self) -> None:
        if self._id_file is None:
            return
        tmp = self._id_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"next_update_id": self.next_update_id}))
        os.replace(tmp, self._id_file)  # atomic: a crash leaves the old or the new number

    def reset(self) -> None:
        if self._id_file is None:  # a persisted counter never goes back
            self.next_update_id = self.first_update_id
        self.pending.clear()
        self.allowed_updates = None
        self._end_poll("closed")
        self.changed.notify()

    def set_allowed(self, allowed: Iterable[str] | None) -> None:
        """Telegram semantics: ``None`` keeps the current filter, ``[]`` means the default."""
        if allowed is not None:
            self.allowed_updates = frozenset(allowed) or None

    def accepts(self, kind: str) -> bool:
        if self.allowed_updates is None:
            return kind not in DEFAULT_EXCLUDED
        return kind in self.allowed_updates

    def push(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update (``body`` without ``update_id``); ``None`` if the filter drops it."""
        if not self.accepts(update_type(body)):
            return None
        update = {"update_id": self.next_update_id, **body}
        self.next_update_id += 1
        self._save_ids()
        self.pending.append(update)
        self._end_poll("update")
        self.changed.notify()
        return update

    def confirm(self, offset: int) -> None:
        before = len(self.pending)
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]
        if len(self.pending) != before:
            self.changed.notify()

    def remove(self, update_id: int) -> None:
        self.pending = [u for u in self.pending if u["update_id"] != update_id]
        self.changed.notify()

    def is_pending(self, update_id: int) -> bool:
        return any(u["update_id"] == update_id for u in self.pending)

    @property
    def polling(self) -> bool:
        """Whether a ``getUpdates`` long poll is waiting right now."""
        return self._poll is not None and not self._poll.done()

    async def wait_for_poller(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Until a long poll is waiting (tests queue updates into a poll that is in flight)."""
        await self.poll_started.wait_until(
            lambda: True if self.polling else None, timeout, "a getUpdates long poll"
        )

    def _end_poll(self, reason: str) -> None:
        if self._poll is not None and not self._poll.done():
            self._poll.set_result(reason)
        self._poll = None

    def close(self) -> None:
        self.closed = True
        self._end_poll("closed")

    async def poll(
        self,
        offset: int,
        limit: int,
        timeout: float,  # noqa: ASYNC109 — the Bot API's long-poll timeout
        disconnected: asyncio.Future[None] | None = None,
    ) -> list[dict[str, Any]]:
        """Answer one ``getUpdates``; waits up to ``timeout`` seconds when nothing is pending."""
        self.confirm(offset)
        self._end_poll("terminated")
        if self.pending or timeout <= 0 or self.closed:
            return self.pending[:limit]
        poll: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._poll = poll
        self.poll_started.notify()
        waiters: set[asyncio.Future[Any]] = {poll}
        if disconnected is not None:
            waiters.add(disconnected)
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if self._poll is poll:
                self._poll = None
        if poll.done() and poll.result() == "terminated":
            raise conflict(TERMINATED)
        return self.pending[:limit]
