"""The gateway's "now" for what depends on the time of day: quiet hours, held notices, fold
windows, "today" for shifts, the time stamped on the gateway's own events.

In production it is the system clock. In development and tests the fake services keep a clock
of their own that a test (or a person in ``bot-gateway dev``) can freeze or move
(``POST /__fake__/clock``); with ``CLOCK_URL`` pointing at its ``GET /__fake__/clock`` the
gateway follows it, so the gateway's notion of "now" and the services' agree: a test that moves
the fakes to 23:00 Tashkent time sees the gateway keep its quiet hours. ``CLOCK_URL`` is refused
outside development and test (:mod:`shared.settings`).

Asked on every use, never cached: the clock can be moved between two notices. A fake that does
not answer is not a reason to stop delivering: the system clock is used and a warning logged.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import httpx

from shared.logs import get_logger
from shared.settings import Settings

__all__ = ["Clock", "FollowedClock", "SystemClock", "clock_for"]

log = get_logger(__name__)


class Clock(Protocol):
    async def now(self) -> dt.datetime:
        """An aware UTC datetime."""
        ...


class SystemClock:
    async def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class FollowedClock:
    """The clock answered by ``url`` (``{"now": iso, …}``, the fakes' ``/__fake__/clock``)."""

    def __init__(self, url: str, timeout: float = 2.0) -> None:
        self.url = url
        self.timeout = timeout

    async def now(self) -> dt.datetime:
        try:
            # A client per call: development only, and nothing to close when the worker stops.
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.get(self.url)
            response.raise_for_status()
            value = dt.datetime.fromisoformat(str(response.json()["now"]).replace("Z", "+00:00"))
        except (httpx.HTTPError, KeyError, TypeError, ValueError) as exc:
            log.warning("clock_not_followed", error=type(exc).__name__)
            return dt.datetime.now(dt.UTC)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def clock_for(settings: Settings) -> Clock:
    url = settings.app.clock_url
    return FollowedClock(url) if url else SystemClock()
