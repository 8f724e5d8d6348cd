"""A runtime against real Redis and PostgreSQL, the fake Bot API and the fake services over HTTP.

``make_runtime(**env)`` builds a :class:`BotRuntime` with the test router, pointed at the fakes,
with this test's own Redis prefix; ``feed(update)`` runs one update through the per-update
callback exactly as the pipeline would.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from devkit.fakes import auth as fake_auth
from devkit.fakes import user as fake_user
from devkit.fakes.entities import UserRec
from devkit.fakes.serve import serve
from devkit.fakes.state import FakeWorld
from devkit.fakes.telegram import FakeTelegramServer, FakeTelegramState, fake_telegram_server
from devkit.fakes.telegram.updates import callback_query_body
from devkit.fakes.telegram.users import SimulatedUser
from shared.db.migrate import upgrade
from shared.logs import configure_logging
from shared.settings import load_settings
from tests.conftest import TEST_TOKEN
from tests.runtime.bot import create_router
from workers.bot.runtime import BotRuntime, UpdateProcessor, build_runtime
from workers.pipeline.drain import UpdateMeta

BOT_ID = int(TEST_TOKEN.split(":")[0])

RuntimeFactory = Callable[..., Awaitable[BotRuntime]]


@pytest.fixture(scope="session", autouse=True)
def product_logging() -> None:
    """Log as the worker does (JSON, redacted); structlog's default renders rich tracebacks."""
    configure_logging("INFO", "json")


@pytest.fixture(scope="module")
async def gateway_db(database_url: str) -> str:
    await asyncio.to_thread(upgrade, database_url)
    return database_url


@pytest.fixture(scope="module")
async def tg_server() -> AsyncIterator[FakeTelegramServer]:
    # One server per module (stopping one takes a fifth of a second); each test resets its state.
    async with fake_telegram_server(FakeTelegramState(bot_id=BOT_ID)) as server:
        yield server


@pytest.fixture
async def tg(tg_server: FakeTelegramServer) -> FakeTelegramServer:
    await tg_server.state.reset()
    return tg_server


class Services:
    def __init__(self, world: FakeWorld, auth_url: str, user_url: str) -> None:
        self.world = world
        self.auth_url = auth_url
        self.user_url = user_url

    def add_user(self, telegram_id: int, **fields: Any) -> UserRec:
        now = self.world.now()
        rec = UserRec(
            id=self.world.next_id("user", 1000),
            telegram_id=telegram_id,
            created_at=now,
            updated_at=now,
            **fields,
        )
        self.world.users[rec.id] = rec
        return rec

    def calls(self, service: str, path: str) -> int:
        return sum(1 for c in self.world.controls[service].calls if c.path.endswith(path))


def new_id() -> int:
    """A Telegram id for a user of this test (random, so tests sharing the fakes do not meet)."""
    return 10_000_000 + secrets.randbelow(1_000_000_000)


def new_user(
    tg: FakeTelegramServer,
    services: Services,
    name: str,
    status: str | None = None,
    role: str | None = None,
    **fields: Any,
) -> SimulatedUser:
    """A Telegram user with a fresh id; given a ``status``, the user service knows them too, with
    ``role`` as their only and active role (the record's default otherwise) and ``fields``."""
    user = tg.state.user(new_id(), name)
    if status is not None:
        if role is not None:
            fields = {"roles": [role], "active_role": role, **fields}
        services.add_user(user.id, status=status, **fields)
    return user


@pytest.fixture(scope="module")
async def services_server() -> AsyncIterator[Services]:
    world = FakeWorld()
    async with (
        serve(fake_auth.create_app(world)) as auth_url,
        serve(fake_user.create_app(world)) as user_url,
    ):
        yield Services(world, auth_url, user_url)


@pytest.fixture
def services(services_server: Services) -> Services:
    services_server.world.reset()
    return services_server


@pytest.fixture
def prefix(key_prefix: str) -> str:
    """This test's REDIS_KEY_PREFIX (the setting allows no ``:``), inside the run's key space."""
    return key_prefix.replace(":", "-")


@pytest.fixture
async def make_runtime(
    monkeypatch: pytest.MonkeyPatch,
    prefix: str,
    gateway_db: str,
    tg: FakeTelegramServer,
    services: Services,
) -> AsyncIterator[RuntimeFactory]:
    built: list[BotRuntime] = []

    async def factory(
        *, publish_commands: bool = False, metrics_port: int = 0, **env: str
    ) -> BotRuntime:
        values = {
            "REDIS_KEY_PREFIX": prefix,
            "DATABASE_URL": gateway_db,
            "TELEGRAM_API_URL": tg.base_url,
            "AUTH_SERVICE_URL": services.auth_url,
            "USER_SERVICE_URL": services.user_url,
            "WORKER_METRICS_PORT": "0",
            **env,
        }
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        runtime = await build_runtime(
            load_settings(),
            routers=[create_router()],
            metrics_port=metrics_port,
            publish_commands=publish_commands,
        )
        built.append(runtime)
        return runtime

    try:
        yield factory
    finally:
        for runtime in built:
            await runtime.close()


def raw(update: dict[str, Any]) -> bytes:
    return json.dumps(update).encode()


async def feed(
    runtime: BotRuntime, update: dict[str, Any], *, attempt: int = 1, max_attempts: int = 5
) -> None:
    meta = UpdateMeta(update["update_id"], "test", attempt, max_attempts)
    await UpdateProcessor(runtime)(raw(update), meta)


def texts_to(state: FakeTelegramState, chat_id: int) -> list[str]:
    return [
        str(c.params.get("text")) for c in state.calls_to("sendMessage", chat_id=chat_id, ok=True)
    ]


def forge_press(tg: FakeTelegramServer, user: SimulatedUser, data: str) -> dict[str, Any]:
    """A callback query with ``data`` on the newest bot message, as a modified client sends it."""
    message = tg.state.last_bot_message(user.chat_id)
    assert message is not None
    query_id = tg.state.open_callback_query(user.chat_id, message["message_id"], user.id)
    return tg.state.enqueue_update(callback_query_body(query_id, user.to_json(), message, data))
