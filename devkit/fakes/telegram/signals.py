"""Event-based waiting on the fake's state: no polling loops, no sleeps.

A :class:`Signal` is notified whenever the state it guards changes; :meth:`Signal.wait_until`
re-evaluates a check after every notification until the check yields a value or the deadline
passes. Notifications may come from another event loop's thread (a dev stack driving the fake
from a worker thread), so futures are resolved on their own loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

__all__ = ["Signal"]

T = TypeVar("T")


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Signal:
    def __init__(self) -> None:
        self._futures: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        futures, self._futures = self._futures, set()
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for future in futures:
            loop = future.get_loop()
            if loop is running:
                _resolve(future)
            elif not loop.is_closed():
                loop.call_soon_threadsafe(_resolve, future)

    def future(self) -> asyncio.Future[None]:
        """A future resolved at the next notification."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._futures.add(future)
        return future

    def discard(self, future: asyncio.Future[None]) -> None:
        self._futures.discard(future)

    async def wait_until(
        self,
        check: Callable[[], T | None],
        timeout: float,  # noqa: ASYNC109 — the deadline spans several waits
        what: str,
    ) -> T:
        """Return the first non-``None`` result of ``check``; ``TimeoutError`` after ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            value = check()
            if value is not None:
                return value
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")
            future = self.future()
            try:
                await asyncio.wait_for(future, remaining)
            except TimeoutError:
                pass
            finally:
                self.discard(future)
