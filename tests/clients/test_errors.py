"""Every answer class maps to its place in the error tree, with service, status and code."""

from __future__ import annotations

import pytest

from devkit.fakes import seed
from devkit.fakes.serve import serve
from devkit.fakes.stack import RunningFakes
from shared import errors as base
from shared.clients import (
    BadRequest,
    Gone,
    RateLimited,
    ServiceBadResponse,
    ServiceClients,
    ServiceConflict,
    ServiceFailure,
    ServiceForbidden,
    ServiceNotFound,
    Unauthorized,
    UserClient,
    ValidationFailed,
)
from shared.clients.policy import CallPolicy
from tests.clients.support import ScriptedPeer


def _calls(fakes: RunningFakes, service: str) -> int:
    return len(fakes.state.controls[service].calls)


async def test_contract_errors_from_real_rules(
    clients: ServiceClients, fakes: RunningFakes
) -> None:
    users = clients.users
    with pytest.raises(ServiceForbidden) as forbidden:
        await users.set_status(
            seed.RESIDENT.id, "blocked", actor_user_id=seed.PLUMBER.id, idempotency_key="upd:1"
        )
    with pytest.raises(ServiceNotFound) as missing:
        await users.get(424242)
    with pytest.raises(ServiceConflict) as conflict:
        await users.create(seed.RESIDENT.telegram_id)
    with pytest.raises(ValidationFailed) as invalid:
        await users.set_phone(seed.NEWCOMER.id, "12345")
    with pytest.raises(Gone) as gone:
        invite = await users.create_invite(
            "applicant", actor_user_id=seed.MANAGER.id, idempotency_key="upd:2"
        )
        await users.consume_invite(invite.token, seed.NEWCOMER.id, idempotency_key="upd:3")
        await users.get_invite(invite.token)
    cases = [
        (forbidden.value, base.Forbidden, 403, "forbidden"),
        (missing.value, base.NotFound, 404, "user_not_found"),
        (conflict.value, base.Conflict, 409, "user_exists"),
        (invalid.value, base.PermanentError, 422, "invalid_phone"),
        (gone.value, base.PermanentError, 410, "invite_used"),
    ]
    for exc, parent, status, code in cases:
        assert isinstance(exc, parent) and not isinstance(exc, base.RetryableError)
        assert (exc.service, exc.status, exc.code) == ("user", status, code)
        assert exc.op.startswith("users.")


async def test_injected_statuses(clients: ServiceClients, fakes: RunningFakes) -> None:
    controls = fakes.state.controls["user"]
    expectations = [
        ("status:400", BadRequest, base.PermanentError),
        ("status:401", Unauthorized, base.PermanentError),
        ("status:418", ServiceBadResponse, base.BadResponse),
        ("status:500", ServiceFailure, base.ServiceUnavailable),
        ("status:429:30", RateLimited, base.RetryAfter),
        ("garbage", ServiceBadResponse, base.BadResponse),
    ]
    for action, error, parent in expectations:
        before = _calls(fakes, "user")
        controls.add_fault(action, path_regex="/users/")
        with pytest.raises(error) as caught:
            await clients.users.get(seed.RESIDENT.id)
        assert isinstance(caught.value, parent), action
        # None of these is repeated in the call: 500 and long waits are the caller's decision.
        assert _calls(fakes, "user") - before == 1, action
    assert isinstance(caught.value, ServiceBadResponse) and caught.value.code == "bad_body"


async def test_rate_limit_carries_retry_after(clients: ServiceClients, fakes: RunningFakes) -> None:
    fakes.state.controls["request"].add_fault("status:429:30")
    with pytest.raises(RateLimited) as limited:
        await clients.requests.categories()
    assert limited.value.retry_after == 30 and limited.value.status == 429


async def test_wrong_service_key_is_unauthorized(fakes: RunningFakes) -> None:
    client = UserClient(fakes.url("user"), api_key="not-the-key")
    try:
        with pytest.raises(Unauthorized) as denied:
            await client.get(seed.RESIDENT.id)
    finally:
        await client.aclose()
    assert denied.value.code == "service_unauthorized"


async def test_shapes_the_fakes_never_send() -> None:
    """A validator's list ``detail``, a wrong body shape, an error without ``code``."""
    peer = ScriptedPeer(
        [
            (
                422,
                {"detail": [{"loc": ["body", "phone"], "msg": "bad", "type": "value_error"}]},
                {},
            ),
            (200, {"id": "forty-two", "telegram_id": 1}, {}),
            (404, {"detail": "Not Found"}, {}),
            (503, b"<html>bad gateway</html>", {}),
        ]
    )
    async with serve(peer) as url:
        client = UserClient(url, api_key="k", policy=CallPolicy(max_retries=0))
        try:
            with pytest.raises(ValidationFailed) as invalid:
                await client.set_phone(1, "+998901234567")
            with pytest.raises(ServiceBadResponse) as shape:
                await client.get(1)
            with pytest.raises(ServiceNotFound) as plain:
                await client.get(1)
            with pytest.raises(ServiceFailure) as down:
                await client.get(1)
        finally:
            await client.aclose()
    assert invalid.value.code == "validation_error"
    assert invalid.value.errors == [{"loc": ["body", "phone"], "msg": "bad", "type": "value_error"}]
    assert shape.value.code == "bad_body"
    assert (plain.value.code, plain.value.status) == (None, 404)
    assert (down.value.status, down.value.service) == (503, "user")
    # Service headers went out on every call; the user's Authorization did not.
    assert all(
        h["x-service-name"] == "bot-gateway" and h["x-service-api-key"] == "k" for h in peer.seen
    )
    assert not any("authorization" in h for h in peer.seen)
