"""Retries: which failures, which calls, how many times, how long between, with what key."""

from __future__ import annotations

import asyncio
import json

import pytest
import stamina

from devkit.fakes import seed
from devkit.fakes.idempotency import body_fingerprint
from devkit.fakes.serve import free_port
from devkit.fakes.stack import RunningFakes
from shared.clients import (
    AuthClient,
    IdempotencyInProgress,
    ServiceClients,
    ServiceFailure,
    request_id_scope,
)
from shared.clients.policy import CallPolicy
from tests.clients.support import metric


def _paths(fakes: RunningFakes, service: str, method: str) -> list[str]:
    return [c.path for c in fakes.state.controls[service].calls if c.method == method]


async def test_get_retried_with_backoff_then_succeeds(
    clients: ServiceClients, fakes: RunningFakes
) -> None:
    before = metric("bot_gateway_service_retries_total", service="user", method="users.get")
    fakes.state.controls["user"].fail_next(2, status=503)
    loop = asyncio.get_running_loop()
    started = loop.time()
    user = await clients.users.get(seed.RESIDENT.id)
    elapsed = loop.time() - started
    assert user.id == seed.RESIDENT.id
    assert len(_paths(fakes, "user", "GET")) == 3
    assert (
        metric("bot_gateway_service_retries_total", service="user", method="users.get") - before
        == 2
    )
    # Backoff waits at least initial (0.01 s), then twice that.
    assert elapsed >= 0.03


async def test_retries_are_bounded(clients: ServiceClients, fakes: RunningFakes) -> None:
    fakes.state.controls["user"].fail_next(10, status=502)
    with pytest.raises(ServiceFailure) as failed:
        await clients.users.get(seed.RESIDENT.id)
    assert failed.value.status == 502
    assert len(_paths(fakes, "user", "GET")) == 1 + 3  # HTTP_MAX_RETRIES = 3


async def test_500_is_not_retried(clients: ServiceClients, fakes: RunningFakes) -> None:
    fakes.state.controls["user"].fail_next(1, status=500)
    with pytest.raises(ServiceFailure):
        await clients.users.get(seed.RESIDENT.id)
    assert len(_paths(fakes, "user", "GET")) == 1


async def test_post_without_key_is_not_retried(
    clients: ServiceClients, fakes: RunningFakes
) -> None:
    fakes.state.controls["auth"].fail_next(1, status=503)
    with pytest.raises(ServiceFailure):
        await clients.auth.login(seed.RESIDENT.telegram_id)
    assert _paths(fakes, "auth", "POST") == ["/api/v1/auth/login"]


async def test_post_with_key_is_retried_with_the_same_key(
    clients: ServiceClients, fakes: RunningFakes
) -> None:
    fakes.state.controls["request"].fail_next(2, status=504, method="POST")
    with request_id_scope("upd-777"):
        created = await clients.requests.create(
            applicant_user_id=seed.RESIDENT.id,
            category="heating",
            address_type="building",
            address_id=1,
            description="Podyezdda isitish ishlamayapti",
            idempotency_key="draft:retry-1",
        )
    posts = [c for c in fakes.state.controls["request"].calls if c.method == "POST"]
    assert [c.idempotency_key for c in posts] == ["draft:retry-1"] * 3
    assert [c.request_id for c in posts] == ["upd-777"] * 3
    assert [
        r.request_number
        for r in fakes.state.requests.values()
        if r.description.startswith("Podyezdda")
    ] == [created.request_number]


async def test_short_retry_after_is_waited_out(
    clients: ServiceClients, fakes: RunningFakes
) -> None:
    fakes.state.controls["request"].add_fault("status:429:0.3")
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert len(await clients.requests.categories()) == 11
    assert loop.time() - started >= 0.3
    assert len(_paths(fakes, "request", "GET")) == 2


async def test_dropped_connection_is_retried_for_reads(
    clients: ServiceClients, fakes: RunningFakes
) -> None:
    fakes.state.controls["user"].add_fault("drop")
    assert (await clients.users.get(seed.RESIDENT.id)).id == seed.RESIDENT.id
    assert len(_paths(fakes, "user", "GET")) == 2


async def test_connection_refused_is_retried_even_for_login() -> None:
    """The request never left, so repeating a non-idempotent call is safe."""
    policy = CallPolicy(max_retries=2, wait_initial=0.01, wait_max=0.02, deadline=3)
    client = AuthClient(f"http://127.0.0.1:{free_port()}", api_key="k", policy=policy)
    before = metric(
        "bot_gateway_service_calls_total",
        service="auth",
        method="auth.login",
        status="connect_error",
    )
    try:
        with pytest.raises(ServiceFailure) as refused:
            await client.login(1)
    finally:
        await client.aclose()
    assert refused.value.reason == "connect_error" and refused.value.status is None
    after = metric(
        "bot_gateway_service_calls_total",
        service="auth",
        method="auth.login",
        status="connect_error",
    )
    assert after - before == 3


async def test_in_progress_key_is_retried(clients: ServiceClients, fakes: RunningFakes) -> None:
    """A key whose first call never finishes: the client keeps asking, within its limits."""
    scope = ("bot-gateway", "POST", f"/api/v1/users/{seed.NEWCOMER.id}/apartments", "upd:busy")
    body = json.dumps({"apartment_id": 204, "is_owner": False}).encode()
    fakes.state.idempotency.begin(scope, body_fingerprint(body), fakes.state.now())
    with pytest.raises(IdempotencyInProgress):
        await clients.users.request_apartment(seed.NEWCOMER.id, 204, idempotency_key="upd:busy")
    assert len(_paths(fakes, "user", "POST")) == 4


async def test_stamina_testing_mode_keeps_the_attempt_count(
    clients: ServiceClients, fakes: RunningFakes
) -> None:
    fakes.state.controls["user"].fail_next(10, status=503)
    with stamina.set_testing(True, attempts=10, cap=True), pytest.raises(ServiceFailure):
        await clients.users.get(seed.RESIDENT.id)
    assert len(_paths(fakes, "user", "GET")) == 4


@pytest.mark.parametrize("fault", ["drop", "drop_after"])
async def test_connection_dropped_after_sending_is_not_retried_for_a_post(
    clients: ServiceClients, fakes: RunningFakes, fault: str
) -> None:
    """The service had the request (it may have acted on it): a non-idempotent call is not
    repeated, however the transport names the closed connection."""
    fakes.state.controls["auth"].add_fault(fault)
    with pytest.raises(ServiceFailure) as dropped:
        await clients.auth.login(seed.RESIDENT.telegram_id)
    assert dropped.value.reason == "network_error"
    assert _paths(fakes, "auth", "POST") == ["/api/v1/auth/login"]


async def test_post_the_service_closed_unanswered_is_not_sent_again() -> None:
    """A service that read the call and then closed the connection (a crash mid-call) may have
    acted on it: the transport calls that a connect failure, the client must not."""
    received: list[bytes] = []

    async def read_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.readuntil(b"\r\n\r\n"))
        writer.close()

    server = await asyncio.start_server(read_then_close, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    policy = CallPolicy(max_retries=2, wait_initial=0.01, wait_max=0.02, deadline=3)
    client = AuthClient(f"http://127.0.0.1:{port}", api_key="k", policy=policy)
    try:
        with pytest.raises(ServiceFailure) as failed:
            await client.login(1)
    finally:
        await client.aclose()
        server.close()
    assert failed.value.reason == "network_error"
    assert len(received) == 1
