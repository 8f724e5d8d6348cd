"""The fakes' Idempotency-Key handling, exactly as docs/contracts.md §1.4 states it."""

from __future__ import annotations

import asyncio

from devkit.fakes import seed
from devkit.fakes.state import FakeWorld
from tests.clients.support import wait_until
from tests.fakes.service_support import Api

BODY = {
    "applicant_user_id": seed.RESIDENT.id,
    "category": "plumbing",
    "address_type": "apartment",
    "address_id": seed.RESIDENT_APARTMENT,
    "description": "Oshxonada quvur yorilib ketdi",
}


def _count(world: FakeWorld) -> int:
    return len(world.requests)


async def test_same_key_same_body_replays(api: Api, world: FakeWorld) -> None:
    before = _count(world)
    first = await api.call("request", "POST", "/requests/", json=BODY, key="draft:k1")
    # Same JSON value, keys in another order: still the same body.
    reordered = dict(reversed(list(BODY.items())))
    second = await api.call("request", "POST", "/requests/", json=reordered, key="draft:k1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert (
        second.headers["idempotent-replayed"] == "true"
        and "idempotent-replayed" not in first.headers
    )
    assert _count(world) == before + 1


async def test_same_key_other_body_is_refused(api: Api, world: FakeWorld) -> None:
    await api.call("request", "POST", "/requests/", json=BODY, key="draft:k2")
    other = await api.call(
        "request", "POST", "/requests/", json={**BODY, "urgency": "high"}, key="draft:k2"
    )
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")


async def test_scope_is_service_method_path_key(api: Api, world: FakeWorld) -> None:
    before = _count(world)
    await api.call("request", "POST", "/requests/", json=BODY, key="draft:k3")
    other_caller = await api.call(
        "request",
        "POST",
        "/requests/",
        json=BODY,
        key="draft:k3",
        headers={"X-Service-Name": "admin-panel"},
    )
    assert other_caller.status_code == 201 and "idempotent-replayed" not in other_caller.headers
    assert _count(world) == before + 2


async def test_failed_calls_are_not_stored(api: Api, world: FakeWorld) -> None:
    short = await api.call(
        "request", "POST", "/requests/", json={**BODY, "description": "short"}, key="draft:k4"
    )
    assert (short.status_code, short.json()["code"]) == (422, "validation_error")
    fixed = await api.call("request", "POST", "/requests/", json=BODY, key="draft:k4")
    assert fixed.status_code == 201 and "idempotent-replayed" not in fixed.headers
    world.controls["request"].fail_next(1, status=503)
    failed = await api.call("request", "POST", "/requests/", json=BODY, key="draft:k5")
    retried = await api.call("request", "POST", "/requests/", json=BODY, key="draft:k5")
    assert failed.status_code == 503 and retried.status_code == 201


async def test_key_required_where_the_contract_says(api: Api, world: FakeWorld) -> None:
    missing = await api.call("request", "POST", "/requests/", json=BODY, key=None)
    assert (missing.status_code, missing.json()["code"]) == (400, "idempotency_key_required")
    patch = await api.call(
        "user", "PATCH", f"/users/{seed.PENDING_RESIDENT.id}/status",
        json={"status": "approved", "actor_user_id": seed.MANAGER.id}, key=None,
    )  # fmt: skip
    assert patch.status_code == 400
    # Exempt: /auth/*, /permissions/check, PUT and GET.
    login = await api.call(
        "auth", "POST", "/auth/login", json={"telegram_id": seed.RESIDENT.telegram_id}, key=None
    )
    check = await api.call(
        "auth", "POST", "/permissions/check",
        json={"user_id": seed.RESIDENT.id, "telegram_id": seed.RESIDENT.telegram_id,
              "permission_key": "requests:create"},
        key=None,
    )  # fmt: skip
    put = await api.call(
        "user", "PUT", f"/users/{seed.NEWCOMER.id}", json={"language_code": "uz"}, key=None
    )
    assert (login.status_code, check.status_code, put.status_code) == (200, 200, 200)
    assert check.json()["has_permission"] is True


async def test_in_progress_then_replayed(api: Api, world: FakeWorld) -> None:
    world.controls["request"].add_fault("delay:300", method="POST")
    first = asyncio.create_task(
        api.call("request", "POST", "/requests/", json=BODY, key="draft:k6")
    )

    async def first_is_running() -> bool:
        return any(c.idempotency_key == "draft:k6" for c in world.controls["request"].calls)

    await wait_until(first_is_running)
    busy = await api.call("request", "POST", "/requests/", json=BODY, key="draft:k6")
    assert (busy.status_code, busy.json()["code"]) == (409, "idempotency_in_progress")
    done = await first
    replay = await api.call("request", "POST", "/requests/", json=BODY, key="draft:k6")
    assert done.status_code == 201 and replay.json() == done.json()


async def test_keys_expire_after_a_day(api: Api, world: FakeWorld) -> None:
    first = await api.call("request", "POST", "/requests/", json=BODY, key="draft:k7")
    world.clock.advance(24 * 3600 + 1)
    later = await api.call("request", "POST", "/requests/", json=BODY, key="draft:k7")
    assert (
        later.status_code == 201
        and later.json()["request_number"] != first.json()["request_number"]
    )


async def test_request_numbers_count_per_tashkent_day(api: Api, world: FakeWorld) -> None:
    import datetime as dt

    world.clock.set(dt.datetime(2025, 1, 14, 18, 59, 0, tzinfo=dt.UTC))  # 23:59 in Tashkent
    late = await api.call("request", "POST", "/requests/", json=BODY)
    world.clock.advance(120)  # 00:01 on the 15th in Tashkent, still the 14th in UTC
    first_next = await api.call("request", "POST", "/requests/", json=BODY)
    second_next = await api.call("request", "POST", "/requests/", json=BODY)
    assert late.json()["request_number"] == "250114-001"
    assert [first_next.json()["request_number"], second_next.json()["request_number"]] == [
        "250115-001",
        "250115-002",
    ]
