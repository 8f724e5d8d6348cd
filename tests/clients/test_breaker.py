"""The per-service circuit breaker, shared by two independent client sets through Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from devkit.fakes import seed
from devkit.fakes.serve import free_port
from devkit.fakes.stack import RunningFakes
from shared.clients import (
    BreakerBoard,
    CircuitOpen,
    ServiceClients,
    ServiceFailure,
    ServiceNotFound,
    UserClient,
)
from shared.connections import create_redis
from shared.settings import Settings, load_settings
from tests.clients.support import metric, wait_until


@pytest.fixture
async def two_workers(
    client_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, redis: Redis
) -> AsyncIterator[tuple[ServiceClients, ServiceClients]]:
    monkeypatch.setenv("HTTP_BREAKER_THRESHOLD", "3")
    monkeypatch.setenv("HTTP_BREAKER_TTL", "0.5")
    monkeypatch.setenv("HTTP_MAX_RETRIES", "0")
    settings = load_settings()
    a, b = ServiceClients.create(settings, redis), ServiceClients.create(settings, redis)
    try:
        yield a, b
    finally:
        await a.aclose()
        await b.aclose()


def _user_calls(fakes: RunningFakes) -> int:
    return len(fakes.state.controls["user"].calls)


async def test_opens_for_everyone_then_closes(
    two_workers: tuple[ServiceClients, ServiceClients], fakes: RunningFakes, redis: Redis
) -> None:
    a, b = two_workers
    fakes.state.controls["user"].fail_next(3, status=503)
    for _ in range(3):
        with pytest.raises(ServiceFailure):
            await a.users.get(seed.RESIDENT.id)
    assert (await b.breaker_states())["user"] == "opened"
    assert metric("bot_gateway_service_breaker_state", service="user") == 2
    key = f"{a.breakers.repository.key_prefix}:breaker:user"
    assert await redis.exists(key) == 1

    # The other worker fails fast: no call reaches the service, even a slow one.
    fakes.state.controls["user"].latency_ms = 2000
    calls = _user_calls(fakes)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(CircuitOpen) as open_:
        await b.users.get(seed.RESIDENT.id)
    assert loop.time() - started < 0.2 and _user_calls(fakes) == calls
    assert open_.value.service == "user" and open_.value.code == "circuit_open"
    # Other services are not affected.
    assert len(await b.requests.categories()) == 11
    fakes.state.controls["user"].latency_ms = 0

    async def half_open() -> bool:
        return (await a.breaker_states())["user"] == "half-opened"

    await wait_until(half_open)
    assert (await b.users.get(seed.RESIDENT.id)).id == seed.RESIDENT.id  # the probe
    assert (await a.breaker_states())["user"] == "closed"
    assert (await a.users.get(seed.RESIDENT.id)).id == seed.RESIDENT.id
    assert metric("bot_gateway_service_breaker_state", service="user") == 0


async def test_failed_probe_reopens(
    two_workers: tuple[ServiceClients, ServiceClients], fakes: RunningFakes
) -> None:
    a, b = two_workers
    fakes.state.controls["user"].fail_next(4, status=502)
    for _ in range(3):
        with pytest.raises(ServiceFailure):
            await a.users.get(seed.RESIDENT.id)

    async def half_open() -> bool:
        return (await a.breaker_states())["user"] == "half-opened"

    await wait_until(half_open)
    with pytest.raises(ServiceFailure):
        await b.users.get(seed.RESIDENT.id)
    assert (await a.breaker_states())["user"] == "opened"
    with pytest.raises(CircuitOpen):
        await a.users.get(seed.RESIDENT.id)


async def test_client_errors_do_not_trip_it(
    two_workers: tuple[ServiceClients, ServiceClients], fakes: RunningFakes
) -> None:
    a, _ = two_workers
    for _ in range(5):
        with pytest.raises(ServiceNotFound):
            await a.users.get(987_654)
    assert (await a.breaker_states())["user"] == "closed"


async def test_success_resets_the_count(
    two_workers: tuple[ServiceClients, ServiceClients], fakes: RunningFakes
) -> None:
    a, _ = two_workers
    for _ in range(3):
        fakes.state.controls["user"].fail_next(2, status=503)
        for _ in range(2):
            with pytest.raises(ServiceFailure):
                await a.users.get(seed.RESIDENT.id)
        await a.users.get(seed.RESIDENT.id)
    assert (await a.breaker_states())["user"] == "closed"


async def test_breaker_steps_aside_when_redis_is_down(
    fakes: RunningFakes, settings: Settings
) -> None:
    """Redis trouble must not take every service down with it: calls go through unguarded."""
    dead = create_redis(f"redis://127.0.0.1:{free_port()}/0", socket_timeout=0.2, retries=0)
    board = BreakerBoard(dead, "unused", threshold=1, ttl=30)
    client = UserClient.from_settings(settings, board)
    try:
        fakes.state.controls["user"].fail_next(1, status=500)
        with pytest.raises(ServiceFailure):
            await client.get(seed.RESIDENT.id)
        assert (await client.get(seed.RESIDENT.id)).id == seed.RESIDENT.id
    finally:
        await client.aclose()
        await dead.aclose()
