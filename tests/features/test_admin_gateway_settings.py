"""Gateway-kept settings: validation, storage under the key prefix, audit, cross-worker cache."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from workers.bot.core.gateway_settings import (
    DEFAULT_MAINTENANCE_MESSAGE,
    GatewaySettings,
    GatewaySettingsStore,
    InvalidSetting,
)


async def test_defaults_when_nothing_is_stored(redis: Redis, key_prefix: str) -> None:
    store = GatewaySettingsStore(redis, key_prefix=key_prefix)
    current = await store.get()
    assert current == GatewaySettings()
    assert current.default_language == "ru"
    assert not current.maintenance_mode
    assert current.maintenance_text("uz", lambda s: f"<{s}>") == f"<{DEFAULT_MAINTENANCE_MESSAGE}>"


async def test_changes_are_stored_logged_and_seen_by_another_worker(
    redis: Redis, key_prefix: str
) -> None:
    writer = GatewaySettingsStore(redis, key_prefix=key_prefix, cache_seconds=30)
    reader = GatewaySettingsStore(redis, key_prefix=key_prefix, cache_seconds=0)
    stale = GatewaySettingsStore(redis, key_prefix=key_prefix, cache_seconds=30)
    assert (await stale.get()).maintenance_mode is False

    await writer.set("maintenance_mode", True, actor_user_id=1, actor_telegram_id=100001)
    await writer.set("maintenance_message_uz", "  Texnik ishlar  ", actor_user_id=1)
    updated = await writer.set("support_contact", "+998 71 200 00 00", actor_user_id=2)
    assert updated.maintenance_mode and updated.support_contact == "+998 71 200 00 00"
    assert (await writer.get()).maintenance_message("uz") == "Texnik ishlar"

    seen = await reader.get()
    assert seen.maintenance_mode and seen.maintenance_text("uz", str) == "Texnik ishlar"
    # A worker within its cache interval still has the old copy; after invalidation it reads.
    assert (await stale.get()).maintenance_mode is False
    stale.invalidate()
    assert (await stale.get()).maintenance_mode is True

    assert all(k.decode().startswith(key_prefix) for k in await redis.keys(f"{key_prefix}*"))
    history = await writer.history(10)
    assert [c.setting for c in history] == [
        "support_contact",
        "maintenance_message_uz",
        "maintenance_mode",
    ]
    assert history[2].actor_user_id == 1 and history[2].actor_telegram_id == 100001
    assert history[2].value == "on"

    cleared = await writer.set("maintenance_message_uz", "", actor_user_id=1)
    assert cleared.maintenance_message("uz") == ""


@pytest.mark.parametrize(
    ("name", "value", "limit"),
    [
        ("default_language", "en", None),
        ("maintenance_mode", "maybe", None),
        ("maintenance_message_ru", "x" * 501, 500),
        ("support_contact", "y" * 101, 100),
    ],
)
async def test_bad_values_are_refused_and_nothing_changes(
    redis: Redis, key_prefix: str, name: str, value: str, limit: int | None
) -> None:
    store = GatewaySettingsStore(redis, key_prefix=key_prefix)
    with pytest.raises(InvalidSetting) as caught:
        await store.set(name, value, actor_user_id=1)  # type: ignore[arg-type]
    assert caught.value.limit == limit
    assert await redis.exists(store.key, store.log_key) == 0


async def test_limits_are_inclusive(redis: Redis, key_prefix: str) -> None:
    store = GatewaySettingsStore(redis, key_prefix=key_prefix)
    current = await store.set("maintenance_message_ru", "я" * 500, actor_user_id=1)
    assert len(current.maintenance_message_ru) == 500
    current = await store.set("default_language", "uz", actor_user_id=1)
    assert current.default_language == "uz"
