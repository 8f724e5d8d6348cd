"""The staff roster behind maintenance mode (workers.bot.core.auth.ProfileCache), on real Redis
against the fake user service: who may be staff is told without a service call, and "not staff"
only once a full listing built the roster."""

from __future__ import annotations

from tests.runtime.conftest import RuntimeFactory, Services, new_id
from workers.bot.core.auth import ProfileCache


async def test_the_roster_rules_out_only_after_a_full_listing(
    make_runtime: RuntimeFactory, services: Services, prefix: str
) -> None:
    runtime = await make_runtime()
    profiles = ProfileCache(runtime.clients.users, runtime.redis, key_prefix=prefix, ttl=60)
    manager = services.add_user(new_id(), status="approved", roles=["manager"])
    resident = services.add_user(new_id(), status="approved", roles=["applicant"])
    # No listing yet: the roster holds whoever was read, so it cannot rule anyone out.
    assert await profiles.may_be_staff(resident.telegram_id)
    await profiles.reload(manager.telegram_id)
    await profiles.reload(resident.telegram_id)
    assert await profiles.may_be_staff(resident.telegram_id)

    reads = services.calls("user", "/users/by-telegram/" + str(manager.telegram_id))
    await profiles.set_staff([])  # a full listing that found nobody
    assert not await profiles.may_be_staff(manager.telegram_id)
    assert not await profiles.may_be_staff(resident.telegram_id)
    await profiles.set_staff([manager.telegram_id])
    assert await profiles.may_be_staff(manager.telegram_id)
    assert not await profiles.may_be_staff(resident.telegram_id)
    # Answered from Redis alone.
    assert services.calls("user", "/users/by-telegram/" + str(manager.telegram_id)) == reads

    # Every read keeps it current: a blocked manager leaves it, a new one joins it.
    services.world.users[manager.id].status = "blocked"
    await profiles.reload(manager.telegram_id)
    assert not await profiles.may_be_staff(manager.telegram_id)
    services.world.users[resident.id].roles = ["applicant", "admin"]
    await profiles.reload(resident.telegram_id)
    assert await profiles.may_be_staff(resident.telegram_id)
