"""Headers, request ids, metrics, pooling and the container's lifecycle."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest
from redis.asyncio import Redis

from devkit.fakes import seed
from devkit.fakes.serve import serve
from devkit.fakes.stack import RunningFakes
from shared.clients import (
    SERVICES,
    CallPolicy,
    ServiceClients,
    UserClient,
    bind_request_id,
    current_request_id,
    request_id_scope,
    request_id_var,
)
from shared.settings import Settings
from tests.clients.conftest import SERVICE_KEY
from tests.clients.support import ScriptedPeer, metric


async def test_headers_sent_on_every_call(clients: ServiceClients, fakes: RunningFakes) -> None:
    with request_id_scope("upd-1001"):
        await clients.users.get(seed.RESIDENT.id)
        await clients.tokens.call(seed.PLUMBER.telegram_id, lambda t: clients.shifts.get(t, 502))
    user_call = fakes.state.controls["user"].calls[-1]
    shift_call = fakes.state.controls["shift"].calls[-1]
    for call in (user_call, shift_call):
        assert call.headers["x-service-name"] == "bot-gateway"
        assert call.headers["x-service-api-key"] == "***"  # masked in the fakes' log
        assert call.request_id == "upd-1001"
    assert "authorization" not in user_call.headers
    assert shift_call.headers["authorization"] == "Bearer ***"


async def test_request_id_outside_an_update_is_fresh(
    clients: ServiceClients, fakes: RunningFakes
) -> None:
    token = request_id_var.set(None)
    try:
        assert current_request_id() != current_request_id()
        await clients.users.get(seed.RESIDENT.id)
        await clients.users.get(seed.RESIDENT.id)
        ids = [c.request_id for c in fakes.state.controls["user"].calls]
        assert len(set(ids)) == 2 and all(ids)
        bind_request_id("upd-55")
        assert current_request_id() == "upd-55"
    finally:
        request_id_var.reset(token)


async def test_call_metrics(clients: ServiceClients, fakes: RunningFakes) -> None:
    labels = {"service": "user", "method": "users.get"}
    ok = metric("bot_gateway_service_calls_total", **labels, status="200")
    failed = metric("bot_gateway_service_calls_total", **labels, status="503")
    timed = metric("bot_gateway_service_call_seconds_count", **labels)
    fakes.state.controls["user"].fail_next(1, status=503)
    await clients.users.get(seed.RESIDENT.id)
    assert metric("bot_gateway_service_calls_total", **labels, status="200") - ok == 1
    assert metric("bot_gateway_service_calls_total", **labels, status="503") - failed == 1
    assert metric("bot_gateway_service_call_seconds_count", **labels) - timed == 1


async def test_keep_alive_pool_is_reused(clients: ServiceClients, fakes: RunningFakes) -> None:
    for _ in range(5):
        await clients.users.get(seed.RESIDENT.id)
    session = clients.users._http._transport.client  # type: ignore[attr-defined]
    idle = session.connector._conns  # one idle keep-alive connection, reused five times
    assert sum(len(conns) for conns in idle.values()) == 1


async def test_container_lifecycle(settings: Settings, redis: Redis, fakes: RunningFakes) -> None:
    built = ServiceClients.create(settings, redis)
    assert [
        c.base_url for c in (built.auth, built.users, built.requests, built.shifts, built.analytics)
    ] == [fakes.url(name) for name in SERVICES]
    assert all(
        [
            await c.health()
            for c in (built.auth, built.users, built.requests, built.shifts, built.analytics)
        ]
    )
    assert built.users.policy.timeout == settings.http.timeout
    assert settings.services.service_api_key.get_secret_value() == SERVICE_KEY
    await built.aclose()
    assert built.users._http.is_closed
    with pytest.raises(RuntimeError):
        await built.users.get(seed.RESIDENT.id)


async def test_requests_as_httpx_builds_them_and_no_cookie_carried() -> None:
    """Requests go to the transport directly: the headers httpx's client would send, a body
    compressed by the peer still decoded, and a cookie a service sets never sent back."""
    user = {"id": 7, "telegram_id": 70, "status": "approved", "roles": ["applicant"]}
    peer = ScriptedPeer(
        [
            (200, user, {"set-cookie": "session=abc; Path=/"}),
            (200, gzip.compress(json.dumps(user).encode()), {"content-encoding": "gzip"}),
        ]
    )
    async with serve(peer) as url:
        client = UserClient(url + "/", api_key="k", policy=CallPolicy(max_retries=0))
        try:
            with request_id_scope("upd-9"):
                assert (await client.get_by_telegram(70)).id == 7
                assert (await client.get_by_telegram(70)).id == 7
            expected = httpx.AsyncClient(base_url=url, headers={"X-Service-Name": "bot-gateway"})
            defaults = {k.lower() for k in expected.headers}
            await expected.aclose()
        finally:
            await client.aclose()
    for seen in peer.seen:
        assert defaults <= seen.keys()
        assert seen["x-request-id"] == "upd-9" and seen["x-service-api-key"] == "k"
        assert seen["host"] == url.removeprefix("http://")
        assert "cookie" not in seen
