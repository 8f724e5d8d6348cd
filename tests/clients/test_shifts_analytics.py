"""Happy paths of the shift and analytics clients, on behalf of users via the token store."""

from __future__ import annotations

import datetime as dt

import pytest

from devkit.fakes import seed
from devkit.fakes.stack import RunningFakes
from shared.clients import ServiceClients, ServiceConflict, ServiceForbidden, ValidationFailed


async def test_my_shifts_schedule_available_and_get(
    clients: ServiceClients, fakes: RunningFakes
) -> None:
    shifts, tokens = clients.shifts, clients.tokens
    tg = seed.PLUMBER.telegram_id
    mine = await tokens.call(tg, lambda t: shifts.executor_shifts(t, seed.PLUMBER.id))
    assert [s.id for s in mine] == [seed.SHIFTS["active"], seed.SHIFTS["tomorrow"]]
    active = await tokens.call(
        tg, lambda t: shifts.executor_shifts(t, seed.PLUMBER.id, statuses=["active"])
    )
    assert [s.status for s in active] == ["active"]

    today = fakes.state.clock.today()
    week = await tokens.call(
        seed.MANAGER.telegram_id,
        lambda t: shifts.schedule(t, today - dt.timedelta(days=3), today + dt.timedelta(days=3)),
    )
    starts = [s.planned_start_time for s in week.items]
    assert starts == sorted(starts) and week.total == len(fakes.state.shifts)

    open_for_me = await tokens.call(
        tg, lambda t: shifts.available(t, specializations=["plumber", "heating"])
    )
    assert {s.id for s in open_for_me.items} == {
        seed.SHIFTS["open_plumbing"],
        seed.SHIFTS["open_universal"],
        seed.SHIFTS["open_overlap"],
    }
    one = await tokens.call(tg, lambda t: shifts.get(t, seed.SHIFTS["open_plumbing"]))
    assert one.executor_user_id is None and one.specialization_focus == ["plumber", "heating"]
    with pytest.raises(ServiceForbidden):
        await tokens.call(tg, lambda t: shifts.get(t, seed.SHIFTS["electrician_soon"]))


async def test_take_start_end(clients: ServiceClients, fakes: RunningFakes) -> None:
    shifts, tokens = clients.shifts, clients.tokens
    plumber, electrician = seed.PLUMBER, seed.ELECTRICIAN
    taken = await tokens.call(
        plumber.telegram_id, lambda t: shifts.take(t, seed.SHIFTS["open_plumbing"], plumber.id)
    )
    assert taken.executor_user_id == plumber.id
    # A double tap with the same natural key replays; a repeat with another key is settled.
    again = await tokens.call(
        plumber.telegram_id,
        lambda t: shifts.take(
            t, seed.SHIFTS["open_plumbing"], plumber.id, idempotency_key="take:x"
        ),
    )
    assert again.executor_user_id == plumber.id

    with pytest.raises(ValidationFailed) as overlap:
        await tokens.call(
            plumber.telegram_id, lambda t: shifts.take(t, seed.SHIFTS["open_overlap"], plumber.id)
        )
    assert overlap.value.code == "shift_overlap"
    with pytest.raises(ValidationFailed) as mismatch:
        await tokens.call(
            plumber.telegram_id, lambda t: shifts.take(t, seed.SHIFTS["open_electric"], plumber.id)
        )
    assert mismatch.value.code == "specialization_mismatch"
    with pytest.raises(ServiceConflict) as taken_by_other:
        await tokens.call(
            electrician.telegram_id,
            lambda t: shifts.take(
                t, seed.SHIFTS["open_plumbing"], electrician.id, idempotency_key="take:505:4"
            ),
        )
    assert taken_by_other.value.code == "shift_taken"

    started = await tokens.call(
        electrician.telegram_id, lambda t: shifts.start(t, seed.SHIFTS["electrician_soon"])
    )
    assert started.status == "active" and started.start_time is not None
    with pytest.raises(ServiceForbidden) as not_mine:
        await tokens.call(
            plumber.telegram_id, lambda t: shifts.end(t, seed.SHIFTS["electrician_soon"])
        )
    assert not_mine.value.code == "not_your_shift"
    ended = await tokens.call(
        electrician.telegram_id, lambda t: shifts.end(t, seed.SHIFTS["electrician_soon"])
    )
    assert ended.status == "completed" and ended.end_time is not None
    with pytest.raises(ValidationFailed) as window:
        await tokens.call(plumber.telegram_id, lambda t: shifts.start(t, seed.SHIFTS["tomorrow"]))
    assert window.value.code == "outside_shift_window"


async def test_analytics_summary(clients: ServiceClients, fakes: RunningFakes) -> None:
    summary = await clients.tokens.call(
        seed.MANAGER.telegram_id, lambda t: clients.analytics.summary(t)
    )
    assert summary.period.end_date == fakes.state.clock.today()
    assert (summary.period.end_date - summary.period.start_date).days == 29
    assert summary.requests.created == 10
    assert set(summary.requests.by_status) == {
        "new", "in_progress", "purchase", "clarification", "done", "confirmed", "returned",
        "accepted", "cancelled",
    }  # fmt: skip
    assert all(v == 1 for k, v in summary.requests.by_status.items() if k != "new")
    assert len(summary.requests.by_category) == 11 and summary.requests.avg_rating == 5.0
    assert summary.users.total == 12 and summary.users.by_role["admin"] == 1

    with pytest.raises(ValidationFailed) as too_long:
        await clients.tokens.call(
            seed.ADMIN.telegram_id,
            lambda t: clients.analytics.summary(
                t, start_date=dt.date(2024, 1, 1), end_date=dt.date(2025, 6, 1)
            ),
        )
    assert too_long.value.code == "range_too_long"
    with pytest.raises(ServiceForbidden):
        await clients.tokens.call(seed.PLUMBER.telegram_id, lambda t: clients.analytics.summary(t))
