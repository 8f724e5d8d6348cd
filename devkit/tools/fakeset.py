"""The fake Bot API and (optionally) the five fake services, started together on loopback ports.

Used by the replay harness, which starts a set per run, and by the ``replay`` pytest fixture,
which keeps one set for the whole session and resets it before each test.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from devkit.fakes.state import FakeWorld
from devkit.fakes.telegram import FakeTelegramState, fake_telegram_server

__all__ = ["SERVICE_ENV", "FakeSet", "run_fake_set"]

SERVICE_ENV = {
    "auth": "AUTH_SERVICE_URL",
    "user": "USER_SERVICE_URL",
    "request": "REQUEST_SERVICE_URL",
    "shift": "SHIFT_SERVICE_URL",
    "analytics": "ANALYTICS_SERVICE_URL",
}


@dataclass
class FakeSet:
    telegram: FakeTelegramState
    telegram_url: str
    world: FakeWorld | None = None
    service_urls: dict[str, str] = field(default_factory=dict)

    def env(self, services: bool = True) -> dict[str, str]:
        """Settings variables pointing the gateway at these fakes."""
        out = {"TELEGRAM_API_URL": self.telegram_url}
        if services:
            out.update({SERVICE_ENV[name]: url for name, url in self.service_urls.items()})
            if "user" in self.service_urls:
                # The gateway follows the fakes' clock (shared.clock): moving it moves both.
                out["CLOCK_URL"] = f"{self.service_urls['user']}/__fake__/clock"
        return out

    async def reset(self) -> None:
        """Forget every chat, call and fault; the services go back to their seeded world."""
        await self.telegram.reset()
        if self.world is not None:
            self.world.seed()


@contextlib.asynccontextmanager
async def run_fake_set(
    *,
    bot_id: int,
    api_key: str,
    services: bool = True,
    world: FakeWorld | None = None,
    telegram: FakeTelegramState | None = None,
) -> AsyncIterator[FakeSet]:
    """Serve the fakes until the block exits (they stop concurrently: each takes a loop tick)."""
    from devkit.fakes.stack import run_fakes

    state = telegram or FakeTelegramState(bot_id=bot_id, auto_create_chats=True)
    managers: list[contextlib.AbstractAsyncContextManager[Any]] = [fake_telegram_server(state)]
    if services:
        managers.append(run_fakes(state=world, telegram=False, api_key=api_key))
    results = await asyncio.gather(*(m.__aenter__() for m in managers), return_exceptions=True)
    started = [
        m for m, r in zip(managers, results, strict=True) if not isinstance(r, BaseException)
    ]
    try:
        values: list[Any] = []
        for result in results:
            if isinstance(result, BaseException):
                raise result
            values.append(result)
        fakes = FakeSet(state, values[0].base_url)
        if services:
            fakes.world, fakes.service_urls = values[1].state, dict(values[1].urls)
        yield fakes
    finally:
        await asyncio.gather(
            *(m.__aexit__(None, None, None) for m in started), return_exceptions=True
        )
