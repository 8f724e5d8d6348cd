"""A create whose answer is lost is repeated with the same key and yields exactly one object."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from devkit.fakes import seed
from devkit.fakes.stack import RunningFakes
from shared.clients import ServiceClients
from shared.settings import load_settings


def _created(fakes: RunningFakes, marker: str) -> list[str]:
    return [r.request_number for r in fakes.state.requests.values() if marker in r.description]


async def _create(clients: ServiceClients, marker: str, key: str) -> str:
    request = await clients.requests.create(
        applicant_user_id=seed.RESIDENT.id,
        category="elevator",
        address_type="building",
        address_id=1,
        description=f"Lift ishlamayapti {marker}",
        urgency="critical",
        idempotency_key=key,
    )
    return request.request_number


async def test_answer_lost_after_the_work_is_done(
    clients: ServiceClients, fakes: RunningFakes
) -> None:
    fakes.state.controls["request"].add_fault("drop_after", method="POST", path_regex="/requests/$")
    number = await _create(clients, "m1", "draft:lost-1")
    assert _created(fakes, "m1") == [number]
    posts = [c for c in fakes.state.controls["request"].calls if c.method == "POST"]
    assert [(c.idempotency_key, c.outcome) for c in posts] == [
        ("draft:lost-1", "dropped"),
        ("draft:lost-1", "answered"),
    ]


async def test_timed_out_create_still_running(
    fakes: RunningFakes, monkeypatch: pytest.MonkeyPatch, client_env: dict[str, str], redis: Redis
) -> None:
    """Attempt 1 times out while the service is still working; attempt 2 meets
    ``409 idempotency_in_progress`` and waits; once the first finishes, the stored answer is
    replayed."""
    monkeypatch.setenv("HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("HTTP_RETRY_WAIT_INITIAL", "0.1")
    monkeypatch.setenv("HTTP_RETRY_WAIT_MAX", "0.2")
    monkeypatch.setenv("HTTP_MAX_RETRIES", "10")
    clients = ServiceClients.create(load_settings(), redis)
    try:
        fakes.state.controls["request"].add_fault("delay:400", method="POST")
        number = await _create(clients, "m2", "draft:slow-1")
    finally:
        await clients.aclose()
    assert _created(fakes, "m2") == [number]
    statuses = [c.status for c in fakes.state.controls["request"].calls if c.method == "POST"]
    assert statuses[0] == 201 and 409 in statuses and statuses[-1] == 201


async def test_new_intent_new_key_new_object(clients: ServiceClients, fakes: RunningFakes) -> None:
    first = await _create(clients, "m3", "draft:a")
    replay = await _create(clients, "m3", "draft:a")
    other = await _create(clients, "m3", "draft:b")
    assert first == replay != other
    assert sorted(_created(fakes, "m3")) == sorted([first, other])
