"""The request fake enforces docs/contracts.md §5's transition table, pair by pair and actor by
actor.

The expected table below is written out from the contract's text, not taken from the fake's own
``R6_TRANSITIONS``, so a slip in either shows up here.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from devkit.fakes import seed
from devkit.fakes.entities import RequestRec
from devkit.fakes.state import FakeWorld
from tests.fakes.service_support import Api

STATUSES = (
    "new", "in_progress", "purchase", "clarification", "done", "confirmed", "returned",
    "accepted", "cancelled",
)  # fmt: skip
# from  to  who (M manager, E assigned executor on shift, O applicant owner), docs/contracts.md §5.
CONTRACT_TABLE = """
in_progress purchase E M
new purchase M
purchase in_progress M E
new clarification M
in_progress clarification M
purchase clarification M
clarification in_progress M E
in_progress done E M
purchase done M
clarification done M
done confirmed M
done in_progress M
confirmed in_progress M
returned in_progress M
confirmed accepted M
returned accepted M
new cancelled M O
in_progress cancelled M
purchase cancelled M
clarification cancelled M
done cancelled M
confirmed cancelled M
returned cancelled M
"""
ALLOWED = {
    (row.split()[0], row.split()[1]): set(row.split()[2:])
    for row in CONTRACT_TABLE.strip().splitlines()
}
ACTORS = {"M": seed.MANAGER.id, "E": seed.PLUMBER.id, "O": seed.RESIDENT.id}
_numbers = itertools.count(1)


def _put(world: FakeWorld, status: str, version: int = 4, **fields: Any) -> RequestRec:
    now = world.now()
    request = RequestRec(
        request_number=f"990101-{next(_numbers):03d}",
        category="plumbing",
        urgency="medium",
        description="Test request for the transition table",
        address_type="apartment",
        address_id=seed.RESIDENT_APARTMENT,
        applicant_user_id=seed.RESIDENT.id,
        created_at=now,
        updated_at=now,
        status=status,
        status_version=version,
        executor_user_id=seed.PLUMBER.id,
        assignment_type="individual",
    )
    for name, value in fields.items():
        setattr(request, name, value)
    world.requests[request.request_number] = request
    return request


def _body(to: str, actor: int, version: int = 4, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"status": to, "status_version": version, "actor_user_id": actor}
    body["comment"] = "Reason, materials or report"
    if to == "done":
        body["media_files"] = ["AgACAgIAAxkBAAIC"]
    return {**body, **extra}


async def test_every_pair_for_every_actor(api: Api, world: FakeWorld) -> None:
    outcomes: list[tuple[str, str, str, int]] = []
    for old, new, who in itertools.product(STATUSES, STATUSES, "MEO"):
        request = _put(world, old)
        response = await api.call(
            "request",
            "PATCH",
            f"/requests/{request.request_number}/status",
            json=_body(new, ACTORS[who]),
        )
        outcomes.append((old, new, who, response.status_code))
        allowed = ALLOWED.get((old, new))
        if allowed is None:
            expected, code = 409, "invalid_transition"
        elif who in allowed:
            expected, code = 200, None
        else:
            expected, code = 403, "forbidden"
        assert response.status_code == expected, (old, new, who, response.text)
        if code:
            assert response.json()["code"] == code
            assert request.status == old and request.status_version == 4
        else:
            final = (
                "accepted" if new == "confirmed" and request.acceptance_mode == "manager" else new
            )
            assert (request.status, request.status_version) == (final, 5)
            change = world.comments_of(request.request_number)[-1]
            assert (change.comment_type, change.old_status, change.new_status) == (
                "status_change",
                old,
                new,
            )
            assert change.author_user_id == ACTORS[who]
    assert sum(1 for o in outcomes if o[3] == 200) == sum(len(v) for v in ALLOWED.values())


@pytest.mark.parametrize(
    ("old", "new", "who"),
    [
        ("in_progress", "purchase", "E"),
        ("new", "clarification", "M"),
        ("in_progress", "done", "E"),
        ("done", "in_progress", "M"),
        ("new", "cancelled", "M"),
    ],
)
async def test_required_comment(api: Api, world: FakeWorld, old: str, new: str, who: str) -> None:
    request = _put(world, old)
    body = _body(new, ACTORS[who])
    body.pop("comment")
    response = await api.call(
        "request", "PATCH", f"/requests/{request.request_number}/status", json=body
    )
    assert (response.status_code, response.json()["code"]) == (422, "comment_required")


async def test_owner_cancels_new_without_comment(api: Api, world: FakeWorld) -> None:
    request = _put(world, "new")
    body = {"status": "cancelled", "status_version": 4, "actor_user_id": seed.RESIDENT.id}
    response = await api.call(
        "request", "PATCH", f"/requests/{request.request_number}/status", json=body
    )
    assert response.status_code == 200 and response.json()["closed_at"] is not None


async def test_guards_in_order(api: Api, world: FakeWorld) -> None:
    path = "/requests/{}/status"
    request = _put(world, "in_progress")
    stale = await api.call(
        "request",
        "PATCH",
        path.format(request.request_number),
        json=_body("purchase", ACTORS["M"], 3),
    )
    assert stale.status_code == 409
    assert stale.json() | {"detail": ""} == {
        "detail": "", "code": "version_conflict", "status": "in_progress", "status_version": 4,
    }  # fmt: skip

    # The electrician is assigned but has no active shift.
    off_shift = _put(world, "in_progress", executor_user_id=seed.ELECTRICIAN.id)
    response = await api.call(
        "request",
        "PATCH",
        path.format(off_shift.request_number),
        json=_body("purchase", seed.ELECTRICIAN.id),
    )
    assert (response.status_code, response.json()["code"]) == (422, "no_active_shift")

    pending = _put(world, "in_progress", executor_user_id=seed.PENDING_EXECUTOR.id)
    response = await api.call(
        "request",
        "PATCH",
        path.format(pending.request_number),
        json=_body("purchase", seed.PENDING_EXECUTOR.id),
    )
    assert (response.status_code, response.json()["code"]) == (403, "user_not_approved")

    hidden = _put(world, "in_progress")
    response = await api.call(
        "request",
        "PATCH",
        path.format(hidden.request_number),
        json=_body("purchase", seed.MULTI_ROLE.id),
    )
    assert response.status_code == 404  # may not even see it

    media = _put(world, "in_progress")
    response = await api.call(
        "request", "PATCH", path.format(media.request_number),
        json=_body("purchase", ACTORS["M"], media_files=["AgAC"]),
    )  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")


async def test_done_fills_the_report_and_manager_acceptance_skips_confirmed(
    api: Api, world: FakeWorld
) -> None:
    request = _put(world, "in_progress", acceptance_mode="manager")
    number = request.request_number
    done = await api.call(
        "request", "PATCH", f"/requests/{number}/status", json=_body("done", ACTORS["E"])
    )
    assert done.json()["completion_report"] == "Reason, materials or report"
    assert done.json()["completion_media"] == ["AgACAgIAAxkBAAIC"] and done.json()["completed_at"]
    confirmed = await api.call(
        "request", "PATCH", f"/requests/{number}/status",
        json={"status": "confirmed", "status_version": 5, "actor_user_id": ACTORS["M"]},
    )  # fmt: skip
    assert (confirmed.json()["status"], confirmed.json()["status_version"]) == ("accepted", 6)


async def test_claim_assign_accept_return_rules(api: Api, world: FakeWorld) -> None:
    pooled = _put(
        world,
        "new",
        version=1,
        executor_user_id=None,
        assignment_type="group",
        assigned_group="plumber",
    )
    claim = f"/requests/{pooled.request_number}/claim"
    wrong_spec = await api.call(
        "request", "POST", claim, json={"actor_user_id": seed.ELECTRICIAN.id, "status_version": 1}
    )
    assert wrong_spec.json()["code"] == "specialization_mismatch"
    won = await api.call(
        "request", "POST", claim, json={"actor_user_id": seed.PLUMBER.id, "status_version": 1}
    )
    lost = await api.call(
        "request", "POST", claim, json={"actor_user_id": seed.PLUMBER.id, "status_version": 1}
    )
    assert (
        won.json()["executor_user_id"] == seed.PLUMBER.id
        and won.json()["assignment_type"] == "individual"
    )
    assert (lost.status_code, lost.json()["code"]) == (409, "already_claimed")

    regroup = await api.call(
        "request", "POST", f"/requests/{pooled.request_number}/assign",
        json={"assignment_type": "group", "specialization": "heating", "status_version": 2,
              "actor_user_id": ACTORS["M"]},
    )  # fmt: skip
    assert (regroup.status_code, regroup.json()["code"]) == (409, "invalid_transition")
    by_executor = await api.call(
        "request", "POST", f"/requests/{pooled.request_number}/assign",
        json={"assignment_type": "individual", "executor_user_id": seed.ELECTRICIAN.id,
              "status_version": 2, "actor_user_id": seed.PLUMBER.id},
    )  # fmt: skip
    assert by_executor.status_code == 403

    confirmed = _put(world, "confirmed")
    accept = f"/requests/{confirmed.request_number}/accept"
    outsider = await api.call(
        "request",
        "POST",
        accept,
        json={"actor_user_id": seed.MULTI_ROLE.id, "rating": 4, "status_version": 4},
    )
    assert outsider.status_code == 404
    neighbour_return = await api.call(
        "request", "POST", f"/requests/{confirmed.request_number}/return",
        json={"actor_user_id": seed.NEIGHBOUR.id, "reason": "Still leaking", "status_version": 4},
    )  # fmt: skip
    assert neighbour_return.status_code == 403
    neighbour = await api.call(
        "request",
        "POST",
        accept,
        json={"actor_user_id": seed.NEIGHBOUR.id, "rating": 4, "status_version": 4},
    )
    assert (neighbour.json()["status"], neighbour.json()["rating"]) == ("accepted", 4)
    again = await api.call(
        "request",
        "POST",
        accept,
        json={"actor_user_id": seed.RESIDENT.id, "rating": 5, "status_version": 5},
    )
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
