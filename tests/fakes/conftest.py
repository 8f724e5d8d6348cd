"""Service fakes under test over plain HTTP (httpx), independent of the product's clients.

Fixtures are named ``service_*`` so they never clash with the Telegram fake's tests here."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from devkit.fakes.stack import RunningFakes, run_fakes
from devkit.fakes.state import FakeWorld
from tests.fakes.service_support import Api

SERVICE_KEY = "fake-suite-key-91c2"


@pytest.fixture(scope="session")
async def service_stack() -> AsyncIterator[RunningFakes]:
    async with run_fakes(telegram=False, api_key=SERVICE_KEY) as running:
        yield running


@pytest.fixture
def world(service_stack: RunningFakes) -> FakeWorld:
    service_stack.state.seed()
    return service_stack.state


@pytest.fixture
async def api(service_stack: RunningFakes, world: FakeWorld) -> AsyncIterator[Api]:
    async with Api(service_stack, SERVICE_KEY) as client:
        yield client
