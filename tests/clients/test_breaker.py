"""The per-service circuit breaker, shared by two independent client sets through Redis."""

from __future__ import annotations

import asyncio
import contextlib
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


@contextlib.asynccontextmanager
async def _workers(
    monkeypatch: pytest.MonkeyPatch, redis: Redis, breaker_ttl: str
) -> AsyncIterator[tuple[ServiceClients, ServiceClients]]:
    """Two workers' clients sharing one breaker (threshold 3, no retries)."""
    monkeypatch.setenv("HTTP_BREAKER_THRESHOLD", "3")
    monkeypatch.setenv("HTTP_BREAKER_TTL", breaker_ttl)
    monkeypatch.setenv("HTTP_MAX_RETRIES", "0")
    settings = load_settings()
    a, b = ServiceClients.create(settings, redis), ServiceClients.create(settings, redis)
    try:
        yield a, b
    finally:
        await a.aclose()
        await b.aclose()


@pytest.fixture
async def two_workers(
    client_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, redis: Redis
) -> AsyncIterator[tuple[ServiceClients, ServiceClients]]:
    async with _workers(monkeypatch, redis, "0.5") as pair:
        yield pair


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


@pytest.fixture
async def slow_cool_down(
    client_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, redis: Redis
) -> AsyncIterator[tuple[ServiceClients, ServiceClients]]:
    """Two workers whose breaker, once open, stays open for the whole test."""
    async with _workers(monkeypatch, redis, "30") as pair:
        yield pair


def _count_reads(board: BreakerBoard, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real = board.repository.get

    async def get(name: str) -> object:
        reads.append(name)
        return await real(name)

    monkeypatch.setattr(board.repository, "get", get)
    return reads


async def test_closed_state_is_trusted_for_a_while(
    slow_cool_down: tuple[ServiceClients, ServiceClients],
    fakes: RunningFakes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A read that found the breaker closed spares the next calls theirs, for ``closed_for``."""
    a, _ = slow_cool_down
    a.breakers.closed_for = 0.5
    reads = _count_reads(a.breakers, monkeypatch)
    for _ in range(5):
        await a.users.get(seed.RESIDENT.id)
    assert reads == ["user"]
    await asyncio.sleep(0.5)
    await a.users.get(seed.RESIDENT.id)
    assert reads == ["user", "user"]


async def test_failure_under_trust_counts_at_once(
    slow_cool_down: tuple[ServiceClients, ServiceClients],
    fakes: RunningFakes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failure ends the trust and is counted in Redis: the shared count still opens it."""
    a, b = slow_cool_down
    await a.users.get(seed.RESIDENT.id)  # trusted closed from here
    reads = _count_reads(a.breakers, monkeypatch)
    fakes.state.controls["user"].fail_next(3, status=503)
    with pytest.raises(ServiceFailure):
        await a.users.get(seed.RESIDENT.id)
    assert reads == []  # counted without reading
    assert (await b.breakers.repository.get("user")).failure_count == 1  # type: ignore[union-attr]
    for _ in range(2):
        with pytest.raises(ServiceFailure):
            await a.users.get(seed.RESIDENT.id)
    assert reads == ["user", "user"]  # no trust while failures are counted
    assert (await b.breaker_states())["user"] == "opened"
    calls = _user_calls(fakes)
    for client in (a, b):
        with pytest.raises(CircuitOpen):
            await client.users.get(seed.RESIDENT.id)
    assert _user_calls(fakes) == calls


async def test_failure_under_trust_opens_at_threshold_one(
    fakes: RunningFakes, settings: Settings, redis: Redis, key_prefix: str
) -> None:
    board = BreakerBoard(redis, key_prefix, threshold=1, ttl=30)
    client = UserClient.from_settings(settings, board)
    try:
        await client.get(seed.RESIDENT.id)
        fakes.state.controls["user"].fail_next(1, status=500)
        with pytest.raises(ServiceFailure):
            await client.get(seed.RESIDENT.id)
        assert (await board.states(["user"]))["user"] == "opened"
        with pytest.raises(CircuitOpen):
            await client.get(seed.RESIDENT.id)
    finally:
        await client.aclose()
        await board.reset("user")


async def test_opening_elsewhere_is_seen_within_closed_for(
    slow_cool_down: tuple[ServiceClients, ServiceClients], fakes: RunningFakes
) -> None:
    """Another worker opening the breaker reaches a worker that trusts it closed, at the latest
    ``closed_for`` after that worker's last read."""
    a, b = slow_cool_down
    a.breakers.closed_for = 0.3
    loop = asyncio.get_running_loop()
    await a.users.get(seed.RESIDENT.id)
    read = loop.time()  # a's read happened before this: trusted until read + 0.3 at the latest
    fakes.state.controls["user"].fail_next(3, status=503)
    for _ in range(3):
        with pytest.raises(ServiceFailure):
            await b.users.get(seed.RESIDENT.id)
    assert (await b.breaker_states())["user"] == "opened"
    while True:
        started = loop.time()
        try:
            await a.users.get(seed.RESIDENT.id)
        except CircuitOpen:
            break
        assert started - read < 0.3  # a call goes through only while the read is trusted
        await asyncio.sleep(0.01)
    assert started - read < 0.3 + 0.25  # and the first call after that fails fast
