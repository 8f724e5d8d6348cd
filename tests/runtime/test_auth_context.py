"""What handlers see of the sender (``AuthContext``) and the shared profile cache behind every role
decision: statuses, roles, the active role, reloads and invalidation. Real Redis, the fake user
and auth services over HTTP."""

from __future__ import annotations

from redis.asyncio import Redis

from devkit.fakes.telegram import FakeTelegramServer
from shared.clients.models.users import User as Profile
from tests.runtime.conftest import RuntimeFactory, Services, new_id
from workers.bot.core.auth import AuthContext, ProfileCache
from workers.bot.runtime.factory import BotRuntime


def _cache(runtime: BotRuntime, ttl: int = 5) -> ProfileCache:
    return ProfileCache(
        runtime.clients.users,
        runtime.redis,
        key_prefix=f"{runtime.settings.redis.key_prefix}:authctx",
        ttl=ttl,
    )


async def _get(cache: ProfileCache, telegram_id: int) -> Profile | None:
    """The profile as the auth middleware reads it: the cached entry, else the service."""
    return await cache.finish_get(telegram_id, await cache.cached(telegram_id))


async def _context(runtime: BotRuntime, cache: ProfileCache, telegram_id: int) -> AuthContext:
    return AuthContext(telegram_id, await _get(cache, telegram_id), cache, runtime.clients.tokens)


async def test_someone_the_user_service_does_not_know_is_unregistered_and_cached(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services, redis: Redis
) -> None:
    runtime = await make_runtime()
    cache = _cache(runtime, ttl=5)
    stranger = new_id()
    auth = await _context(runtime, cache, stranger)
    assert (auth.user, auth.status, auth.roles, auth.active_role, auth.user_id) == (
        None,
        "unregistered",
        (),
        None,
        None,
    )
    # The miss is cached too (within the TTL), so strangers cost one lookup, not one per update.
    assert await _get(cache, stranger) is None
    assert services.calls("user", f"/users/by-telegram/{stranger}") == 1
    assert 0 < await redis.ttl(cache.key(stranger)) <= 5


async def test_status_roles_and_the_active_role(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime()
    cache = _cache(runtime)
    chosen, first, none, inactive = (new_id() for _ in range(4))
    rec = services.add_user(
        chosen, status="approved", roles=["executor", "manager"], active_role="manager"
    )
    services.add_user(first, status="approved", roles=["executor", "manager"], active_role=None)
    services.add_user(none, status="pending", roles=[], active_role=None)
    services.add_user(inactive, status="approved", is_active=False, roles=["admin"])
    auth = await _context(runtime, cache, chosen)
    assert (auth.status, auth.roles, auth.active_role, auth.user_id) == (
        "approved",
        ("executor", "manager"),
        "manager",
        rec.id,
    )
    # No active role chosen: the first role acts; no roles at all: none.
    assert (await _context(runtime, cache, first)).active_role == "executor"
    assert (await _context(runtime, cache, none)).active_role is None
    # A deactivated account is blocked whatever its status says.
    assert (await _context(runtime, cache, inactive)).status == "blocked"


async def test_reload_reads_the_service_again_and_forget_other_drops_a_cached_profile(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime()
    cache = _cache(runtime, ttl=60)
    manager_id, target_id = new_id(), new_id()
    services.add_user(manager_id, status="approved", roles=["manager"], active_role="manager")
    target = services.add_user(target_id, status="approved", roles=["executor"])
    manager = await _context(runtime, cache, manager_id)
    assert (await _get(cache, target_id)) is not None  # the target's profile, cached for 60 s
    # The manager blocks the target at the service and drops the cached copy: the target's
    # next update sees the block at once, not when the cache expires.
    target.status = "blocked"
    assert (await _get(cache, target_id)).status == "approved"  # type: ignore[union-attr]
    await manager.forget_other(target_id)
    assert (await _get(cache, target_id)).status == "blocked"  # type: ignore[union-attr]
    # A flow that changes the user's own profile reloads it, and the cache follows.
    services.world.users[manager.user_id].active_role = None  # type: ignore[index]
    services.world.users[manager.user_id].roles = ["admin"]  # type: ignore[index]
    reloaded = await manager.reload()
    assert reloaded is manager.user
    assert (manager.roles, manager.active_role) == (("admin",), "admin")
    assert (await _get(cache, manager_id)).roles == ["admin"]  # type: ignore[union-attr]
    await cache.forget(manager_id)
    before = services.calls("user", f"/users/by-telegram/{manager_id}")
    await _get(cache, manager_id)
    assert services.calls("user", f"/users/by-telegram/{manager_id}") == before + 1


async def test_the_users_token_comes_from_a_login_once_then_the_cache(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime()
    cache = _cache(runtime)
    telegram_id = new_id()
    services.add_user(telegram_id, status="approved")
    auth = await _context(runtime, cache, telegram_id)
    logins = services.calls("auth", "/auth/login")
    token = await auth.token()
    assert token and token == await auth.token()
    assert services.calls("auth", "/auth/login") == logins + 1
    # auth.call runs the function with that token.
    assert await auth.call(lambda given: _echo(given)) == token


async def _echo(value: str) -> str:
    return value
