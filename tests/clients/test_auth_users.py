"""Happy paths of the auth and user clients against the fakes."""

from __future__ import annotations

import pytest

from devkit.fakes import seed
from devkit.fakes.stack import RunningFakes
from shared.clients import Gone, ServiceClients, ServiceConflict, ServiceNotFound, Unauthorized
from shared.clients.models import User


async def test_login_refresh_me_and_permissions(clients: ServiceClients) -> None:
    login = await clients.auth.login(seed.PLUMBER.telegram_id)
    assert login.user_id == seed.PLUMBER.id
    assert login.tokens.expires_in == 3600
    me = await clients.auth.me(login.tokens.access_token)
    assert (me.user_id, me.telegram_id, me.roles) == (
        seed.PLUMBER.id,
        seed.PLUMBER.telegram_id,
        ["executor"],
    )

    fresh = await clients.auth.refresh(login.tokens.refresh_token)
    assert fresh.access_token != login.tokens.access_token
    with pytest.raises(Unauthorized) as reused:
        await clients.auth.refresh(login.tokens.refresh_token)
    assert reused.value.code == "invalid_token"

    check = await clients.auth.check_permission(
        seed.PLUMBER.id, seed.PLUMBER.telegram_id, "shifts:update_own"
    )
    assert check.has_permission and "executor" in check.user_roles
    denied = await clients.auth.check_permission(
        seed.PLUMBER.id, seed.PLUMBER.telegram_id, "users:write"
    )
    assert not denied.has_permission
    unknown = await clients.auth.check_permission(999_999, 1, "users:read")
    assert (unknown.has_permission, unknown.reason) == (False, "user_not_found")


async def test_login_refusals(clients: ServiceClients) -> None:
    with pytest.raises(Unauthorized) as missing:
        await clients.auth.login(777_000_777)
    assert missing.value.code == "user_not_found"
    with pytest.raises(Unauthorized) as inactive:
        await clients.auth.login(seed.INACTIVE.telegram_id)
    assert inactive.value.code == "user_inactive"


async def test_registration_and_profile(clients: ServiceClients) -> None:
    users = clients.users
    with pytest.raises(ServiceNotFound) as missing:
        await users.get_by_telegram(555_000_111)
    assert missing.value.code == "user_not_found"

    created = await users.create(
        555_000_111, username="new_one", first_name="Lola", language_code="uz"
    )
    assert isinstance(created, User)
    assert (created.status, created.roles, created.active_role) == (
        "pending",
        ["applicant"],
        "applicant",
    )
    # The same natural key replays; a second intent with another key is a conflict.
    again = await users.create(
        555_000_111, username="new_one", first_name="Lola", language_code="uz"
    )
    assert again.id == created.id
    with pytest.raises(ServiceConflict) as exists:
        await users.create(555_000_111, idempotency_key="user-create:555000111:b")
    assert exists.value.code == "user_exists"

    assert (await users.get(created.id)).telegram_id == 555_000_111
    assert (await users.set_language(created.id, "ru")).language_code == "ru"
    assert (await users.set_phone(created.id, "+998901112233")).phone == "+998901112233"
    assert (await users.get_by_telegram(555_000_111)).phone == "+998901112233"


async def test_admin_user_management(clients: ServiceClients) -> None:
    users = clients.users
    pending = await users.list_users(status="pending", size=2)
    assert pending.total >= 3 and pending.size == 2 and pending.pages == -(-pending.total // 2)
    assert all(u.status == "pending" for u in pending.items)

    approved = await users.set_status(
        seed.PENDING_RESIDENT.id, "approved", actor_user_id=seed.MANAGER.id, idempotency_key="upd:1"
    )
    assert approved.status == "approved"
    roles = await users.set_roles(seed.MULTI_ROLE.id, ["executor"], actor_user_id=seed.MANAGER.id)
    assert (roles.roles, roles.active_role) == (["executor"], "executor")
    specs = await users.set_specializations(
        seed.MULTI_ROLE.id, ["electrician", "repair"], actor_user_id=seed.MANAGER.id
    )
    assert specs.specializations == ["electrician", "repair"]
    switched = await users.set_active_role(seed.MULTI_ROLE.id, "executor")
    assert switched.active_role == "executor"

    electricians = await users.executors(["electrician"])
    assert {u.id for u in electricians.items} == {seed.ELECTRICIAN.id, seed.MULTI_ROLE.id}
    found = await users.list_users(search="aziz")
    assert [u.id for u in found.items] == [seed.RESIDENT.id]


async def test_addresses_and_apartment_links(clients: ServiceClients) -> None:
    users = clients.users
    yards = await users.yards()
    assert [y.name for y in yards.items] == ["Chilonzor-9", "Olmazor-1"]
    buildings = await users.buildings(1)
    assert [b.address for b in buildings.items] == ["Navoiy ko'chasi 12", "Navoiy ko'chasi 14"]
    flats = await users.apartments(1, size=8, page=2)
    assert [a.apartment_number for a in flats.items] == ["9", "10", "11", "12"]
    assert (flats.total, flats.pages) == (12, 2)

    mine = await users.addresses(seed.RESIDENT.id)
    assert [a.apartment_id for a in mine.items] == [seed.RESIDENT_APARTMENT]
    assert [(r.address_type, r.address_id) for r in mine.request_addresses] == [
        ("apartment", 105),
        ("building", 1),
        ("yard", 1),
    ]

    link = await users.request_apartment(seed.NEWCOMER.id, 203, idempotency_key="upd:2")
    assert (link.status, link.building_id, link.yard_name) == ("pending", 2, "Olmazor-1")
    with pytest.raises(ServiceConflict) as exists:
        await users.request_apartment(seed.NEWCOMER.id, 203, idempotency_key="upd:3")
    assert (exists.value.code, exists.value.current_status) == ("apartment_link_exists", "pending")
    reviewed = await users.review_apartment(
        seed.NEWCOMER.id, 203, "approved", actor_user_id=seed.MANAGER.id, idempotency_key="upd:4"
    )
    assert reviewed.status == "approved" and reviewed.reviewed_at is not None
    with pytest.raises(ServiceConflict) as not_pending:
        await users.review_apartment(
            seed.NEWCOMER.id,
            203,
            "rejected",
            actor_user_id=seed.MANAGER.id,
            idempotency_key="upd:5",
        )
    assert not_pending.value.code == "link_not_pending"


async def test_invite_lifecycle(clients: ServiceClients, fakes: RunningFakes) -> None:
    users = clients.users
    invite = await users.create_invite(
        "executor", ["plumber"], actor_user_id=seed.MANAGER.id, idempotency_key="upd:10"
    )
    assert 16 <= len(invite.token) <= 59 and invite.role == "executor"
    assert (await users.get_invite(invite.token)).specializations == ["plumber"]

    joined = await users.consume_invite(invite.token, seed.NEWCOMER.id, idempotency_key="upd:11")
    assert joined.role == "executor"
    assert (joined.user.roles, joined.user.active_role) == (["executor"], "executor")
    assert joined.user.specializations == ["plumber"] and joined.user.status == "pending"

    with pytest.raises(Gone) as used:
        await users.get_invite(invite.token)
    assert used.value.code == "invite_used"
    with pytest.raises(ServiceNotFound) as invalid:
        await users.get_invite("no-such-invite-token-0")
    assert invalid.value.code == "invite_invalid"

    expiring = await users.create_invite(
        "applicant", actor_user_id=seed.MANAGER.id, expires_in_hours=1, idempotency_key="upd:12"
    )
    fakes.state.clock.advance(3601)
    with pytest.raises(Gone) as expired:
        await users.consume_invite(expiring.token, seed.NEWCOMER.id, idempotency_key="upd:13")
    assert expired.value.code == "invite_expired"
