"""Happy paths of the request client against the fakes, including §1.6 conflict settling."""

from __future__ import annotations

import pytest

from devkit.fakes import seed
from devkit.fakes.stack import RunningFakes
from shared.clients import ServiceClients, ServiceConflict, ServiceNotFound, ValidationFailed


async def _new_request(
    clients: ServiceClients, key: str = "draft:d1", urgency: str = "high"
) -> str:
    created = await clients.requests.create(
        applicant_user_id=seed.RESIDENT.id,
        category="plumbing",
        address_type="apartment",
        address_id=seed.RESIDENT_APARTMENT,
        description="  Vannada quvur tomchilayapti, tez yordam kerak  ",
        urgency=urgency,  # type: ignore[arg-type]
        media_files=["AgACAgIAAxkBAAIBQ2"],
        idempotency_key=key,
    )
    assert created.status == "new" and created.status_version == 1
    assert (created.assignment_type, created.assigned_group) == ("group", "plumber")
    assert created.description.startswith("Vannada") and created.address.apartment_number == "5"
    return created.request_number


async def test_categories(clients: ServiceClients) -> None:
    categories = await clients.requests.categories()
    assert len(categories) == 11
    assert [c.in_bot_menu for c in categories] == [True] * 9 + [False] * 2
    plumbing = next(c for c in categories if c.key == "plumbing")
    assert (plumbing.specialization, plumbing.label("uz"), plumbing.label("ru")) == (
        "plumber",
        "Santexnika",
        "Сантехника",
    )


async def test_list_filters_sorting_and_paging(
    clients: ServiceClients, fakes: RunningFakes
) -> None:
    requests = clients.requests
    page1 = await requests.list_requests(applicant_user_id=seed.RESIDENT.id, size=5)
    page2 = await requests.list_requests(applicant_user_id=seed.RESIDENT.id, size=5, page=2)
    assert (page1.total, page1.pages, len(page1.items), len(page2.items)) == (10, 2, 5, 5)
    created = [r.created_at for r in page1.items + page2.items]
    assert created == sorted(created, reverse=True)
    beyond = await requests.list_requests(applicant_user_id=seed.RESIDENT.id, size=5, page=9)
    assert beyond.items == [] and beyond.total == 10

    archive = await requests.list_requests(
        applicant_user_id=seed.RESIDENT.id, status_group="archive"
    )
    assert {r.status for r in archive.items} == {"accepted", "cancelled"}
    confirmed = await requests.list_requests(
        applicant_user_id=seed.RESIDENT.id, statuses=["confirmed"]
    )
    assert [r.request_number for r in confirmed.items] == [fakes.state.seed_requests["confirmed"]]
    heating = await requests.list_requests(category="heating")
    assert {r.category for r in heating.items} == {"heating"} and heating.total == 2

    mine = await requests.list_requests(
        executor_user_id=seed.PLUMBER.id, status_group="active", sort="urgency"
    )
    ranks = ["low", "medium", "high", "critical"]
    order = [(-ranks.index(r.urgency), r.created_at) for r in mine.items]
    assert order == sorted(order) and mine.items[0].urgency == "critical"


async def test_create_claim_work_confirm_accept(
    clients: ServiceClients, fakes: RunningFakes
) -> None:
    requests = clients.requests
    number = await _new_request(clients)
    pool = await requests.pool(seed.PLUMBER.id)
    assert number in [r.request_number for r in pool.items]
    assert all(r.assigned_group in {"plumber", "heating"} for r in pool.items)

    claimed = await requests.claim(
        number,
        actor_user_id=seed.PLUMBER.id,
        status_version=1,
        idempotency_key=f"claim:{number}:1:3",
    )
    assert (claimed.status, claimed.executor_user_id, claimed.status_version) == (
        "in_progress",
        seed.PLUMBER.id,
        2,
    )

    purchase = await requests.change_status(
        number, "purchase", status_version=2, actor_user_id=seed.PLUMBER.id,
        comment="Yangi kran kerak", idempotency_key=f"st:{number}:2:purchase",
    )  # fmt: skip
    resumed = await requests.change_status(
        number, "in_progress", status_version=3, actor_user_id=seed.PLUMBER.id,
        idempotency_key=f"st:{number}:3:in_progress",
    )  # fmt: skip
    done = await requests.change_status(
        number, "done", status_version=resumed.status_version, actor_user_id=seed.PLUMBER.id,
        comment="Kran almashtirildi", media_files=["AgACAgIAAxkBAAIBQ3"],
        idempotency_key="draft:rep1",
    )  # fmt: skip
    assert purchase.status == "purchase"
    assert (done.status, done.completion_report, done.completion_media) == (
        "done",
        "Kran almashtirildi",
        ["AgACAgIAAxkBAAIBQ3"],
    )
    confirmed = await requests.change_status(
        number,
        "confirmed",
        status_version=5,
        actor_user_id=seed.MANAGER.id,
        idempotency_key="upd:20",
    )
    accepted = await requests.accept(
        number, actor_user_id=seed.RESIDENT.id, rating=5, comment="Rahmat!",
        status_version=confirmed.status_version, idempotency_key=f"accept:{number}:6:5",
    )  # fmt: skip
    assert (accepted.status, accepted.rating, accepted.status_version) == ("accepted", 5, 7)
    assert accepted.closed_at is not None and accepted.is_terminal

    history = await requests.comments(number, size=100)
    moves = [
        (c.old_status, c.new_status) for c in history.items if c.comment_type == "status_change"
    ]
    assert moves == [
        ("new", "in_progress"),
        ("in_progress", "purchase"),
        ("purchase", "in_progress"),
        ("in_progress", "done"),
        ("done", "confirmed"),
        ("confirmed", "accepted"),
    ]


async def test_assign_return_comments_and_visibility(
    clients: ServiceClients, fakes: RunningFakes
) -> None:
    requests = clients.requests
    number = await _new_request(clients, "draft:d2")
    group = await requests.assign(
        number, "group", specialization="heating", status_version=1,
        actor_user_id=seed.MANAGER.id, idempotency_key="upd:30",
    )  # fmt: skip
    assert (group.assigned_group, group.status, group.status_version) == ("heating", "new", 2)
    individual = await requests.assign(
        number, "individual", executor_user_id=seed.ELECTRICIAN.id, status_version=2,
        actor_user_id=seed.MANAGER.id, idempotency_key="upd:31",
    )  # fmt: skip
    assert (individual.status, individual.executor_user_id) == ("in_progress", seed.ELECTRICIAN.id)

    confirmed_no = fakes.state.seed_requests["confirmed"]
    confirmed = await requests.get(confirmed_no, viewer_user_id=seed.NEIGHBOUR.id)
    returned = await requests.return_request(
        confirmed_no, actor_user_id=seed.RESIDENT.id, reason="Hali ham oqyapti",
        status_version=confirmed.status_version, idempotency_key="draft:ret1",
    )  # fmt: skip
    assert (returned.status, returned.return_reason) == ("returned", "Hali ham oqyapti")

    comment = await requests.add_comment(
        number,
        author_user_id=seed.RESIDENT.id,
        text="Ertaga uyda bo'laman",
        idempotency_key="upd:32",
    )
    internal = await requests.add_comment(
        number, author_user_id=seed.MANAGER.id, text="Check the riser", is_internal=True,
        idempotency_key="upd:33",
    )  # fmt: skip
    public = await requests.comments(number)
    everything = await requests.comments(number, include_internal=True)
    assert comment.id in [c.id for c in public.items] and internal.id not in [
        c.id for c in public.items
    ]
    assert internal.id in [c.id for c in everything.items]

    with pytest.raises(ServiceNotFound):
        await requests.get(number, viewer_user_id=seed.MULTI_ROLE.id)
    with pytest.raises(ServiceNotFound):
        await requests.get("991231-999")


async def test_conflicts_and_rules(clients: ServiceClients, fakes: RunningFakes) -> None:
    requests = clients.requests
    number = await _new_request(clients, "draft:d3")
    with pytest.raises(ValidationFailed) as no_shift:
        await requests.claim(
            number, actor_user_id=seed.MULTI_ROLE.id, status_version=1, idempotency_key="claim:x:11"
        )
    assert no_shift.value.code == "specialization_mismatch"
    await requests.claim(
        number, actor_user_id=seed.PLUMBER.id, status_version=1, idempotency_key="claim:x:3"
    )
    with pytest.raises(ServiceConflict) as taken:
        await requests.claim(
            number, actor_user_id=seed.ELECTRICIAN.id, status_version=1, idempotency_key="claim:x:4"
        )
    assert taken.value.code == "already_claimed"
    with pytest.raises(ServiceConflict) as stale:
        await requests.change_status(
            number, "cancelled", status_version=1, actor_user_id=seed.MANAGER.id,
            comment="duplicate", idempotency_key="upd:40",
        )  # fmt: skip
    assert (stale.value.code, stale.value.current_status, stale.value.status_version) == (
        "version_conflict",
        "in_progress",
        2,
    )
    with pytest.raises(ValidationFailed) as needs_comment:
        await requests.change_status(
            number,
            "cancelled",
            status_version=2,
            actor_user_id=seed.MANAGER.id,
            idempotency_key="upd:41",
        )
    assert needs_comment.value.code == "comment_required"


async def test_double_tap_with_new_key_is_settled_as_success(clients: ServiceClients) -> None:
    """§1.6: a 409 after a repeat reads the request again; if it is already where this call
    wanted it, the call succeeds."""
    requests = clients.requests
    number = await _new_request(clients, "draft:d4")
    first = await requests.claim(
        number, actor_user_id=seed.PLUMBER.id, status_version=1, idempotency_key="claim:a"
    )
    second = await requests.claim(
        number, actor_user_id=seed.PLUMBER.id, status_version=1, idempotency_key="claim:b"
    )
    assert second.status_version == first.status_version == 2
    moved = await requests.change_status(
        number, "purchase", status_version=2, actor_user_id=seed.PLUMBER.id,
        comment="Truba", idempotency_key="st:a",
    )  # fmt: skip
    again = await requests.change_status(
        number, "purchase", status_version=2, actor_user_id=seed.PLUMBER.id,
        comment="Truba", idempotency_key="st:b",
    )  # fmt: skip
    assert again.status_version == moved.status_version == 3
