"""A recorded admin conversation replayed through ingest's enqueue and the real worker."""

from __future__ import annotations

from pathlib import Path

from redis.asyncio import Redis

from devkit.fakes.seed import ADMIN, PENDING_RESIDENT
from tests.features.executor.helpers import assert_each_query_answered_once, tx
from tests.replay_plugin import Replay
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.features.admin import texts

TRANSCRIPT = Path(__file__).parent / "admin" / "approve_analytics_settings.jsonl"


async def test_approve_then_analytics_then_maintenance(replay: Replay, redis: Redis) -> None:
    world = replay.services
    result = await replay.run(TRANSCRIPT)
    assert not result.dead_lettered
    assert world.users[PENDING_RESIDENT.id].status == "approved"
    assert world.links[(PENDING_RESIDENT.id, 207)].status == "approved"
    sent = result.texts(ADMIN.telegram_id)
    assert any(t.startswith("<b>Аналитика</b> за 7 дн.") for t in sent)
    # Turning maintenance on asks first (the confirmation shows what users will see).
    confirm_head = tx(texts.MAINTENANCE_CONFIRM, "ru").split("{", 1)[0].strip()
    assert sum(t.startswith(confirm_head) for t in sent) == 1
    assert sum(tx(texts.MAINTENANCE_ON, "ru") in t for t in sent) == 1
    store = GatewaySettingsStore(
        redis, key_prefix=replay.settings.redis.key_prefix, cache_seconds=0
    )
    assert (await store.get()).maintenance_mode is False
    assert [c.setting for c in await store.history()] == ["maintenance_mode"] * 2
    rendered = result.text
    assert "answerCallbackQuery: Пользователь одобрен." in rendered
    assert_each_query_answered_once(replay)
