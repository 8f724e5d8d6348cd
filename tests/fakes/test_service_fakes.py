"""The service fakes' common behaviour: keys, tokens, validation, controls, seed, JWTs."""

from __future__ import annotations

import datetime as dt

import httpx
import jwt
import pytest

from devkit.fakes import seed
from devkit.fakes.stack import RunningFakes
from devkit.fakes.state import SERVICE_NAMES, FakeWorld
from tests.fakes.service_support import Api


async def test_health_needs_no_key(api: Api, service_stack: RunningFakes) -> None:
    for name in SERVICE_NAMES:
        response = await api.http.get(
            service_stack.url(name) + "/health", headers={"X-Request-ID": "r-1"}
        )
        assert response.json() == {"status": "ok", "service": name}
        assert response.headers["x-request-id"] == "r-1"


@pytest.mark.parametrize(
    ("service", "method", "path"),
    [
        ("auth", "POST", "/auth/login"),
        ("user", "GET", "/users/1"),
        ("request", "GET", "/categories"),
        ("shift", "GET", "/shifts/501"),
        ("analytics", "GET", "/analytics/summary"),
    ],
)
async def test_service_key_everywhere(api: Api, service: str, method: str, path: str) -> None:
    response = await api.call(
        service, method, path, headers={"X-Service-API-Key": "wrong"}, json={}
    )
    assert (response.status_code, response.json()["code"]) == (401, "service_unauthorized")


async def test_bearer_where_required(api: Api, world: FakeWorld) -> None:
    for token in (
        None,
        "garbage",
        jwt.encode({"user_id": 3}, "another-secret-of-32-bytes-length!", "HS256"),
    ):
        response = await api.call("shift", "GET", "/shifts/501", token=token)
        assert (response.status_code, response.json()["code"]) == (401, "invalid_token")
    token = await api.token(seed.PLUMBER.telegram_id)
    assert (await api.call("shift", "GET", "/shifts/501", token=token)).status_code == 200
    world.clock.advance(3601)
    expired = await api.call("auth", "GET", "/auth/me", token=token)
    assert (expired.status_code, expired.json()["code"]) == (401, "invalid_token")


@pytest.mark.filterwarnings("ignore::jwt.InsecureKeyLengthWarning")  # the contract's test secret
async def test_jwt_claims(api: Api, world: FakeWorld) -> None:
    response = await api.call(
        "auth", "POST", "/auth/login", json={"telegram_id": seed.MULTI_ROLE.telegram_id}
    )
    tokens = response.json()["tokens"]
    claims = jwt.decode(
        tokens["access_token"],
        "test-jwt-secret",
        algorithms=["HS256"],
        options={"verify_exp": False},
    )
    refresh = jwt.decode(
        tokens["refresh_token"],
        "test-jwt-secret",
        algorithms=["HS256"],
        options={"verify_exp": False},
    )
    assert (
        claims["user_id"] == seed.MULTI_ROLE.id
        and claims["telegram_id"] == seed.MULTI_ROLE.telegram_id
    )
    assert claims["roles"] == ["applicant", "executor"] and claims["type"] == "access"
    assert (
        claims["exp"] - claims["iat"] == 3600 and refresh["exp"] - refresh["iat"] == 7 * 24 * 3600
    )
    assert claims["session_id"] == refresh["session_id"] == tokens["session_id"]
    assert claims["jti"] != refresh["jti"] and refresh["type"] == "refresh"


async def test_validation(api: Api, world: FakeWorld) -> None:
    unknown_field = await api.call(
        "user", "PUT", f"/users/{seed.NEWCOMER.id}", json={"langauge_code": "uz"}
    )
    assert (unknown_field.status_code, unknown_field.json()["code"]) == (422, "validation_error")
    assert "langauge_code" in unknown_field.json()["detail"]
    unknown_query = await api.call(
        "request", "GET", "/requests/", params={"status_groups": "active"}
    )
    assert unknown_query.status_code == 422
    too_big = await api.call("user", "GET", "/yards", params={"size": 101})
    assert too_big.status_code == 422
    wrong_type = await api.call("auth", "POST", "/auth/login", json={"telegram_id": "abc"})
    assert wrong_type.status_code == 422
    not_json = await api.http.post(
        api.stack.url("auth") + "/api/v1/auth/login", content=b"{nope", headers=api.headers()
    )
    assert (not_json.status_code, not_json.json()["code"]) == (400, "bad_request")
    assert (await api.call("user", "GET", "/nowhere")).status_code == 404
    assert (await api.call("user", "DELETE", "/users/1")).status_code == 405


async def test_literal_routes_win(api: Api, world: FakeWorld) -> None:
    executors = await api.call(
        "user", "GET", "/users/executors", params={"specialization": "plumber"}
    )
    assert [u["id"] for u in executors.json()["items"]] == [seed.PLUMBER.id]
    pool = await api.call(
        "request", "GET", "/requests/pool", params={"executor_user_id": seed.PLUMBER.id}
    )
    assert pool.json()["items"][0]["request_number"] == world.seed_requests["new"]
    token = await api.token(seed.PLUMBER.telegram_id)
    unassigned = await api.call("shift", "GET", "/shifts/unassigned", token=token)
    assert unassigned.status_code == 200 and unassigned.json()["total"] == 4


async def test_paging_shape(api: Api, world: FakeWorld) -> None:
    response = await api.call(
        "user", "GET", "/buildings/3/apartments", params={"size": 8, "page": 3}
    )
    assert {k: v for k, v in response.json().items() if k != "items"} == {
        "total": 20, "page": 3, "size": 8, "pages": 3,
    }  # fmt: skip
    assert [a["apartment_number"] for a in response.json()["items"]] == ["17", "18", "19", "20"]
    empty = await api.call("user", "GET", "/users/", params={"search": "zzzz"})
    assert empty.json() == {"items": [], "total": 0, "page": 1, "size": 20, "pages": 0}


async def test_faults_and_knobs_over_http(
    api: Api, service_stack: RunningFakes, world: FakeWorld
) -> None:
    base = service_stack.url("user")
    added = await api.http.post(
        base + "/__fake__/faults",
        json={"method": "GET", "path_regex": "/users/\\d+$", "action": "status:503", "times": 2},
    )
    assert added.status_code == 201
    statuses = [(await api.call("user", "GET", "/users/1")).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    bad = await api.http.post(base + "/__fake__/faults", json={"action": "explode"})
    assert bad.status_code == 422

    await api.http.post(base + "/__fake__/faults", json={"action": "garbage"})
    garbage = await api.call("user", "GET", "/users/1")
    assert garbage.status_code == 200 and garbage.headers["content-type"] == "text/html"

    knobs = await api.http.post(base + "/__fake__/knobs", json={"down": True})
    assert knobs.json()["down"] is True
    with pytest.raises(httpx.RemoteProtocolError):
        await api.call("user", "GET", "/users/1")
    assert (await api.http.get(base + "/health")).status_code == 200  # controls stay reachable
    await api.http.post(base + "/__fake__/knobs", json={"down": False, "latency_ms": 50})
    loop_time = __import__("asyncio").get_running_loop().time
    started = loop_time()
    assert (await api.call("user", "GET", "/users/1")).status_code == 200
    assert loop_time() - started >= 0.05


async def test_calls_log_masks_secrets(
    api: Api, service_stack: RunningFakes, world: FakeWorld
) -> None:
    login = await api.call(
        "auth", "POST", "/auth/login", json={"telegram_id": seed.RESIDENT.telegram_id}
    )
    refresh_token = login.json()["tokens"]["refresh_token"]
    await api.call("auth", "POST", "/auth/refresh", json={"refresh_token": refresh_token})
    await api.call("auth", "GET", "/auth/me", token=login.json()["tokens"]["access_token"])
    calls = (await api.http.get(service_stack.url("auth") + "/__fake__/calls")).json()["items"]
    text = str(calls)
    assert api.key not in text and refresh_token not in text and "eyJ" not in text
    assert calls[1]["body"] == {"refresh_token": "***"}
    assert calls[2]["headers"]["authorization"] == "Bearer ***"
    assert calls[0]["headers"]["x-service-api-key"] == "***"
    cleared = await api.http.delete(service_stack.url("auth") + "/__fake__/calls")
    assert cleared.json()["items"] == [] and world.controls["auth"].calls == []


async def test_clock_reset_and_seed_over_http(
    api: Api, service_stack: RunningFakes, world: FakeWorld
) -> None:
    base = service_stack.url("shift")
    frozen = await api.http.post(base + "/__fake__/clock", json={"now": "2025-01-14T09:30:00Z"})
    assert frozen.json() == {"now": "2025-01-14T09:30:00Z", "frozen": True}
    moved = await api.http.post(base + "/__fake__/clock", json={"advance_seconds": 90})
    assert moved.json()["now"] == "2025-01-14T09:31:30Z"
    assert world.now() == dt.datetime(2025, 1, 14, 9, 31, 30, tzinfo=dt.UTC)
    await api.http.post(base + "/__fake__/reset")
    assert world.users == {} and world.clock.frozen is None
    assert (await api.call("user", "GET", f"/users/{seed.ADMIN.id}")).status_code == 404
    seeded = await api.http.post(base + "/__fake__/seed")
    assert seeded.json() == {"ok": True, "users": 12, "requests": 10}


async def test_seed_covers_every_kind(world: FakeWorld) -> None:
    users = list(world.users.values())
    assert {r for u in users for r in u.roles} == {"applicant", "executor", "manager", "admin"}
    assert {u.status for u in users} == {"pending", "approved", "blocked"}
    assert {r.status for r in world.requests.values()} == {
        "new", "in_progress", "purchase", "clarification", "done", "confirmed", "returned",
        "accepted", "cancelled",
    }  # fmt: skip
    now = world.now()
    shifts = list(world.shifts.values())
    assert any(s.status == "completed" and s.planned_end_time < now for s in shifts)
    assert [s.executor_user_id for s in shifts if s.status == "active"] == [seed.PLUMBER.id]
    assert sum(1 for s in shifts if s.status == "planned" and s.executor_user_id is None) == 4
    assert len(world.yards) == 2 and len(world.buildings) == 3
    assert all(len(n) == 10 and n[6] == "-" for n in world.seed_requests.values())


async def test_user_rules(api: Api, world: FakeWorld) -> None:
    def status(user_id: int, actor: int, value: str = "blocked") -> dict[str, object]:
        return {"status": value, "actor_user_id": actor}

    self_change = await api.call(
        "user",
        "PATCH",
        f"/users/{seed.MANAGER.id}/status",
        json=status(seed.MANAGER.id, seed.MANAGER.id),
    )
    manager_on_admin = await api.call(
        "user",
        "PATCH",
        f"/users/{seed.ADMIN.id}/status",
        json=status(seed.ADMIN.id, seed.MANAGER.id),
    )
    grant_manager = await api.call(
        "user",
        "PUT",
        f"/users/{seed.PLUMBER.id}/roles",
        json={"roles": ["manager"], "actor_user_id": seed.MANAGER.id},
    )
    admin_grants = await api.call(
        "user", "PUT", f"/users/{seed.PLUMBER.id}/roles",
        json={"roles": ["executor", "manager"], "actor_user_id": seed.ADMIN.id},
    )  # fmt: skip
    assert [r.status_code for r in (self_change, manager_on_admin, grant_manager)] == [
        403,
        403,
        403,
    ]
    assert (
        admin_grants.json()["roles"] == ["executor", "manager"]
        and admin_grants.json()["active_role"] == "executor"
    )
    not_held = await api.call(
        "user", "PUT", f"/users/{seed.PLUMBER.id}/active-role", json={"role_key": "admin"}
    )
    assert not_held.json()["code"] == "role_not_held"
    no_spec = await api.call(
        "user",
        "POST",
        "/invites",
        json={"role": "executor", "specializations": [], "actor_user_id": seed.MANAGER.id},
    )
    assert no_spec.json()["code"] == "specialization_required"
    relink = await api.call(
        "user", "POST", f"/users/{seed.PENDING_RESIDENT.id}/apartments", json={"apartment_id": 110}
    )
    assert relink.status_code == 201 and relink.json()["status"] == "pending"


async def test_analytics_needs_a_manager_and_counts_live_data(api: Api, world: FakeWorld) -> None:
    resident = await api.token(seed.RESIDENT.telegram_id)
    assert (
        await api.call("analytics", "GET", "/analytics/summary", token=resident)
    ).status_code == 403
    manager = await api.token(seed.MANAGER.telegram_id)
    before = (await api.call("analytics", "GET", "/analytics/summary", token=manager)).json()
    world.users[seed.PENDING_RESIDENT.id].status = "approved"
    after = (await api.call("analytics", "GET", "/analytics/summary", token=manager)).json()
    assert after["users"]["by_status"]["pending"] == before["users"]["by_status"]["pending"] - 1
    assert before["requests"]["by_urgency"] == {"low": 2, "medium": 3, "high": 3, "critical": 2}
