"""User tokens: cached in Redis per user, refreshed once on 401, login again when refused."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from devkit.fakes import seed
from devkit.fakes.stack import RunningFakes
from shared.clients import ServiceClients, Unauthorized
from shared.clients.tokens import TokenCipher


def _auth_paths(fakes: RunningFakes) -> list[str]:
    return [c.path.removeprefix("/api/v1") for c in fakes.state.controls["auth"].calls]


async def test_token_is_cached_per_user(
    clients: ServiceClients, fakes: RunningFakes, redis: Redis
) -> None:
    first = await clients.tokens.access_token(seed.PLUMBER.telegram_id)
    second = await clients.tokens.access_token(seed.PLUMBER.telegram_id)
    assert first == second
    assert _auth_paths(fakes) == ["/auth/login"]
    ttl = await redis.ttl(clients.tokens.key(seed.PLUMBER.telegram_id))
    assert 3400 < ttl <= 3540  # expires_in − 60 s
    assert clients.tokens.key(1).startswith(clients.breakers.repository.key_prefix + ":")


async def test_expired_token_is_refreshed_once(
    clients: ServiceClients, fakes: RunningFakes
) -> None:
    tg = seed.PLUMBER.telegram_id
    await clients.tokens.access_token(tg)
    fakes.state.clock.advance(3700)  # the fakes now see the cached access token as expired
    shifts = await clients.tokens.call(
        tg, lambda t: clients.shifts.executor_shifts(t, seed.PLUMBER.id)
    )
    assert seed.SHIFTS["active"] in [s.id for s in shifts]
    assert _auth_paths(fakes) == ["/auth/login", "/auth/refresh"]
    statuses = [c.status for c in fakes.state.controls["shift"].calls]
    assert statuses == [401, 200]


async def test_revoked_session_logs_in_again(clients: ServiceClients, fakes: RunningFakes) -> None:
    tg = seed.MANAGER.telegram_id
    await clients.tokens.access_token(tg)
    for session in fakes.state.sessions.values():
        session.revoked = True
    summary = await clients.tokens.call(tg, lambda t: clients.analytics.summary(t))
    assert summary.requests.created == 10
    assert _auth_paths(fakes) == ["/auth/login", "/auth/refresh", "/auth/login"]


async def test_other_refusals_are_not_retried(clients: ServiceClients, fakes: RunningFakes) -> None:
    with pytest.raises(Unauthorized) as inactive:
        await clients.tokens.call(seed.INACTIVE.telegram_id, lambda t: clients.auth.me(t))
    assert inactive.value.code == "user_inactive"
    assert _auth_paths(fakes) == ["/auth/login"]

    await clients.tokens.access_token(seed.PLUMBER.telegram_id)
    fakes.state.controls["shift"].add_fault("status:401", times=1)
    with pytest.raises(Unauthorized) as other:
        await clients.tokens.call(seed.PLUMBER.telegram_id, lambda t: clients.shifts.get(t, 502))
    assert other.value.code == "injected_fault"
    assert len(fakes.state.controls["shift"].calls) == 1


async def test_refresh_happens_only_once(clients: ServiceClients, fakes: RunningFakes) -> None:
    fakes.state.controls["shift"].add_fault("status:401", times=2, code="invalid_token")
    with pytest.raises(Unauthorized) as still:
        await clients.tokens.call(seed.PLUMBER.telegram_id, lambda t: clients.shifts.get(t, 502))
    assert still.value.code == "invalid_token"
    assert len(fakes.state.controls["shift"].calls) == 2  # the call and its one repeat
    assert _auth_paths(fakes) == ["/auth/login", "/auth/refresh"]


async def test_tokens_are_encrypted_at_rest_and_a_foreign_value_is_a_miss(
    clients: ServiceClients, fakes: RunningFakes, redis: Redis
) -> None:
    tg = seed.PLUMBER.telegram_id
    access = await clients.tokens.access_token(tg)
    stored = await redis.hgetall(clients.tokens.key(tg))  # type: ignore[misc]
    assert set(stored) == {b"access", b"refresh"}
    for value in stored.values():
        assert b"eyJ" not in value  # no JWT (header, payload or whole) in clear
    assert access.encode() not in b"".join(stored.values())
    # What another key (or an older, unencrypted cache) wrote is not trusted: log in again.
    other = TokenCipher([Fernet.generate_key()])
    forged = other.encrypt("forged").decode()
    await redis.hset(clients.tokens.key(tg), "access", forged)  # type: ignore[misc]
    assert await clients.tokens.access_token(tg) != "forged"
    await redis.hset(clients.tokens.key(tg), mapping={"access": "", "refresh": access})  # type: ignore[misc]
    assert (await clients.tokens.refresh(tg)) != access
    assert _auth_paths(fakes) == ["/auth/login", "/auth/login", "/auth/login"]


def test_cipher_rotation_and_derivation() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    written = TokenCipher([old]).encrypt("token-value")
    assert TokenCipher([new, old]).decrypt(written) == "token-value"
    assert TokenCipher([new]).decrypt(written) is None
    assert TokenCipher([new]).decrypt(b"not a fernet token") is None
    one, two = TokenCipher.derived("service-key-1"), TokenCipher.derived("service-key-1")
    assert two.decrypt(one.encrypt("x")) == "x"  # every worker derives the same key
    assert TokenCipher.derived("service-key-2").decrypt(one.encrypt("x")) is None
    with pytest.raises(ValueError, match="at least one key"):
        TokenCipher([])


def test_token_encryption_key_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.clients.tokens import token_cipher
    from shared.settings import SettingsError, load_settings

    key = Fernet.generate_key().decode()
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEY", f"{key}, {Fernet.generate_key().decode()}")
    settings = load_settings()
    assert key in settings.secrets  # scrubbed from logs like the other secrets
    assert TokenCipher([key.encode()]).decrypt(token_cipher(settings).encrypt("t")) == "t"
    assert "TOKEN_ENCRYPTION_KEY" in str(settings.masked()) and key not in str(settings.masked())
    monkeypatch.setenv("TOKEN_ENCRYPTION_KEY", "too-short")
    with pytest.raises(SettingsError, match="TOKEN_ENCRYPTION_KEY: must be Fernet keys"):
        load_settings()
