"""Clients against the service fakes over real loopback sockets, with real Redis for breakers
and tokens.  One fake stack serves the whole session; each test gets it freshly seeded."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from devkit.fakes.stack import RunningFakes, run_fakes
from shared.clients import ServiceClients
from shared.settings import Settings, load_settings

SERVICE_KEY = "svc-key-7f3a9c2e41d8"


@pytest.fixture(scope="session")
async def fake_stack() -> AsyncIterator[RunningFakes]:
    async with run_fakes(telegram=False, api_key=SERVICE_KEY) as running:
        yield running


@pytest.fixture
def fakes(fake_stack: RunningFakes) -> RunningFakes:
    fake_stack.state.seed()
    return fake_stack


@pytest.fixture
def client_env(
    fakes: RunningFakes, monkeypatch: pytest.MonkeyPatch, key_prefix: str
) -> dict[str, str]:
    env = {
        **fakes.env(),
        "SERVICE_API_KEY": SERVICE_KEY,
        # The setting allows no ":"; the run's cleanup matches the prefix anywhere in a key.
        "REDIS_KEY_PREFIX": key_prefix.replace(":", "."),
        "HTTP_RETRY_WAIT_INITIAL": "0.01",
        "HTTP_RETRY_WAIT_MAX": "0.05",
        "HTTP_TIMEOUT": "2",
        "HTTP_DEADLINE": "5",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def settings(client_env: dict[str, str]) -> Settings:
    return load_settings()


@pytest.fixture
async def clients(settings: Settings, redis: Redis) -> AsyncIterator[ServiceClients]:
    built = ServiceClients.create(settings, redis)
    try:
        yield built
    finally:
        await built.aclose()
