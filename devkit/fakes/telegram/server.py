"""Run the fake on a loopback port: ``async with fake_telegram_server() as tg: …``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from devkit.fakes.serve import serve
from devkit.fakes.telegram.app import FakeTelegramApp, create_app
from devkit.fakes.telegram.state import FakeTelegramState

__all__ = ["FakeTelegramServer", "fake_telegram_server"]


@dataclass(frozen=True, slots=True)
class FakeTelegramServer:
    base_url: str
    app: FakeTelegramApp

    @property
    def state(self) -> FakeTelegramState:
        return self.app.state

    @property
    def api(self) -> TelegramAPIServer:
        """For ``Bot(token, session=AiohttpSession(api=server.api))``."""
        return TelegramAPIServer.from_base(self.base_url)

    def aiogram_session(self) -> AiohttpSession:
        """A new aiogram session pointed at the fake (the caller closes it)."""
        return AiohttpSession(api=self.api)


@contextlib.asynccontextmanager
async def fake_telegram_server(
    state: FakeTelegramState | None = None,
    tokens: set[str] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> AsyncIterator[FakeTelegramServer]:
    """Serve the fake until the block exits; pending long polls are ended first."""
    app = create_app(state, tokens)
    async with serve(app, host=host, port=port) as base_url:
        try:
            yield FakeTelegramServer(base_url=base_url, app=app)
        finally:
            await app.state.aclose()
