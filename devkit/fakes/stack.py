"""All service fakes (and the Telegram fake, when that package is present) on loopback ports.

    async with run_fakes() as fakes:          # free ports, one freshly seeded world
        settings_env = fakes.env()            # AUTH_SERVICE_URL=… TELEGRAM_API_URL=…
        fakes.state.controls["request"].fail_next(2)

The five service fakes share one :class:`~devkit.fakes.state.FakeWorld`, so a user created through
the user fake is the one the request fake checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from devkit.fakes import analytics, auth, request, shift, user
from devkit.fakes.app import FakeService
from devkit.fakes.serve import serve
from devkit.fakes.state import SERVICE_NAMES, FakeWorld

__all__ = ["SERVICE_ENV", "RunningFakes", "run_fakes", "telegram_fake_module"]

SERVICE_ENV = {name: f"{name.upper()}_SERVICE_URL" for name in SERVICE_NAMES}
_FACTORIES = {
    "auth": auth.create_app,
    "user": user.create_app,
    "request": request.create_app,
    "shift": shift.create_app,
    "analytics": analytics.create_app,
}


def telegram_fake_module() -> Any | None:
    """``devkit.fakes.telegram`` when installed (it is a separate part of the tree)."""
    try:
        return importlib.import_module("devkit.fakes.telegram")
    except ModuleNotFoundError as exc:
        if exc.name and "devkit.fakes.telegram".startswith(exc.name):
            return None
        raise


@dataclass
class RunningFakes:
    state: FakeWorld
    apps: dict[str, FakeService]
    urls: dict[str, str]
    telegram_url: str | None = None
    telegram_app: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return self.urls[service]

    def env(self) -> dict[str, str]:
        """Environment variables that point the gateway's settings at these fakes."""
        out = {SERVICE_ENV[name]: url for name, url in self.urls.items()}
        if self.telegram_url is not None:
            out["TELEGRAM_API_URL"] = self.telegram_url
        return out


@contextlib.asynccontextmanager
async def run_fakes(
    ports: Mapping[str, int] | None = None,
    *,
    state: FakeWorld | None = None,
    host: str = "127.0.0.1",
    telegram: bool = True,
    api_key: str | None = None,
) -> AsyncIterator[RunningFakes]:
    """Serve every fake until the block exits; ``ports`` maps a service (or ``telegram``) to a
    port, missing ones get free ports.  ``api_key`` overrides ``SERVICE_API_KEY``."""
    ports = ports or {}
    world = state if state is not None else FakeWorld.seeded()
    servers: list[contextlib.AbstractAsyncContextManager[str]] = []

    async def start(app: Any, port: int) -> str:
        server = serve(app, host, port)
        url = await server.__aenter__()
        servers.append(server)
        return url

    try:
        apps = {name: _FACTORIES[name](world) for name in SERVICE_NAMES}
        urls = {}
        for name, app in apps.items():
            if api_key is not None:
                app.api_key = api_key
            urls[name] = await start(app, ports.get(name, 0))
        running = RunningFakes(world, apps, urls)
        module = telegram_fake_module() if telegram else None
        if module is not None:
            running.telegram_app = module.create_app()
            running.telegram_url = await start(running.telegram_app, ports.get("telegram", 0))
        yield running
    finally:
        # Each server needs a main-loop tick (~0.1 s) to stop; stop them all at once.
        await asyncio.gather(*(server.__aexit__(None, None, None) for server in servers))
