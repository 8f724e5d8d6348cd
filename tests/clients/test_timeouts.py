"""A slow service costs at most the configured deadline, never more."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from devkit.fakes import seed
from devkit.fakes.stack import RunningFakes
from shared.clients import ServiceClients, ServiceFailure
from shared.settings import load_settings


@pytest.fixture
async def impatient(
    client_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, redis: Redis
) -> AsyncIterator[ServiceClients]:
    monkeypatch.setenv("HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("HTTP_DEADLINE", "0.7")
    monkeypatch.setenv("HTTP_MAX_RETRIES", "5")
    clients = ServiceClients.create(load_settings(), redis)
    try:
        yield clients
    finally:
        await clients.aclose()


async def test_slow_read_fails_within_the_deadline(
    impatient: ServiceClients, fakes: RunningFakes
) -> None:
    fakes.state.controls["user"].latency_ms = 1500
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ServiceFailure) as slow:
        await impatient.users.get(seed.RESIDENT.id)
    elapsed = loop.time() - started
    assert slow.value.reason in {"timeout", "deadline"}
    assert 0.2 <= elapsed < 1.0  # deadline 0.7 s plus scheduling slack
    # It was retried (a GET is safe to repeat), as often as the deadline allowed.
    assert 2 <= len(fakes.state.controls["user"].calls) <= 4


async def test_slow_login_is_not_repeated(impatient: ServiceClients, fakes: RunningFakes) -> None:
    fakes.state.controls["auth"].latency_ms = 1500
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ServiceFailure) as slow:
        await impatient.auth.login(seed.RESIDENT.telegram_id)
    assert slow.value.reason == "timeout"
    assert loop.time() - started < 0.5
    assert len(fakes.state.controls["auth"].calls) == 1
