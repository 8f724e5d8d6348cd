"""Long polling as real ``bot-gateway ingest`` processes: election, takeover, crash, bad token."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from ingest.lease import lease_key
from shared.connections import create_redis
from shared.settings import Settings, load_settings
from tests.ingest.conftest import IngestProcess, eventually
from tests.ingest.polling import POLLING_ENV, fake_telegram, running_poller, stored_update
from tests.ingest.valkey import PrivateValkey

pytestmark = pytest.mark.slow


async def role(process: IngestProcess) -> str | None:
    async with httpx.AsyncClient(timeout=1.0) as client:
        try:
            body: dict[str, Any] = (await client.get(f"{process.url}/health")).json()
        except httpx.TransportError:
            return None
    return str(body.get("poller"))


async def test_one_active_poller_among_replicas_and_fast_takeover(
    ingest_process: Any, settings: Settings, redis: Redis
) -> None:
    async with fake_telegram() as (url, state, monitor):
        env = {**POLLING_ENV, "TELEGRAM_API_URL": url}
        replicas: list[IngestProcess] = [ingest_process(**env), ingest_process(**env)]
        for replica in replicas:
            await replica.wait_healthy()
        await eventually(
            lambda: _roles(replicas), within=10, what="one active and one standby poller"
        )
        roles = await _roles(replicas)
        assert roles is not None
        active = replicas[roles.index("active")]
        standby = replicas[roles.index("standby")]

        users = [state.user(3000 + i) for i in range(5)]
        sent = [u.send_text(None, f"before {i}") for i, u in enumerate(users)]
        for update in sent:
            await state.wait_until_consumed(update["update_id"], timeout=10)
        # Both alive for a while: the standby never polls.
        before_kill = len(state.calls_to("getUpdates"))
        assert before_kill >= 1
        assert await role(standby) == "standby"

        active.kill()
        killed_at = time.monotonic()
        await eventually(lambda: _is_active(standby), within=10, what="takeover")
        takeover = time.monotonic() - killed_at
        late = [u.send_text(None, "after") for u in users]
        for update in late:
            await state.wait_until_consumed(update["update_id"], timeout=10)

        assert takeover < 2.0 + 3.0  # the lease (2 s) plus a renewal interval and slack
        for update in sent + late:
            assert await stored_update(redis, settings, update)
        assert monitor.max_active == 1
        assert [c for c in state.calls_to("getUpdates") if c.status == 409] == []
        assert await redis.get(lease_key(settings.redis.key_prefix)) is not None


async def _roles(replicas: list[IngestProcess]) -> list[str | None] | None:
    roles = [await role(r) for r in replicas]
    return roles if sorted(map(str, roles)) == ["active", "standby"] else None


async def _is_active(process: IngestProcess) -> bool:
    return await role(process) == "active"


async def test_graceful_stop_hands_over_at_once(
    ingest_process: Any, settings: Settings, redis: Redis
) -> None:
    async with fake_telegram() as (url, state, monitor):
        env = {**POLLING_ENV, "TELEGRAM_API_URL": url, "INGEST_POLLER_LEASE_SECONDS": "20"}
        first = ingest_process(**env)
        await eventually(lambda: _is_active(first), within=15, what="first active")
        second = ingest_process(**env)
        await second.wait_healthy()
        assert await role(second) == "standby"
        assert first.stop() == 0
        # Released on SIGTERM: no need to wait out the 20 s lease.
        await eventually(lambda: _is_active(second), within=6, what="handover")
        update = state.user(3100).send_text(None, "hi")
        await state.wait_until_consumed(update["update_id"], timeout=10)
        assert await stored_update(redis, settings, update)
        assert monitor.max_active == 1
        assert '"ingest_stopped"' in first.log()


@pytest.fixture
async def valkey(tmp_path: Path) -> AsyncIterator[PrivateValkey]:
    server = PrivateValkey(tmp_path / "valkey")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_killed_between_fetch_and_store_loses_nothing(
    ingest_process: Any,
    valkey: PrivateValkey,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    admin = create_redis(valkey.url)
    try:
        async with fake_telegram() as (url, state, _):
            env = {**POLLING_ENV, "TELEGRAM_API_URL": url, "REDIS_URL": valkey.url}
            poller = ingest_process(**env)
            await eventually(lambda: _is_active(poller), within=15, what="active poller")
            await state.wait_for_call("getUpdates")
            polls_before = len(state.calls_to("getUpdates"))

            # Redis stops taking writes; the poller fetches the updates and cannot store them.
            await admin.client_pause(30000, all=False)  # writes only
            users = [state.user(3200 + i) for i in range(3)]
            sent = [u.send_text(None, f"m{i}") for i, u in enumerate(users)]
            ids = {u["update_id"] for u in sent}
            fetched = await state.wait_for(
                lambda c: (
                    c.method == "getUpdates" and c.ok and ids <= {u["update_id"] for u in c.result}
                ),
                timeout=10,
            )
            assert fetched.seq > 0 and len(state.calls_to("getUpdates")) > polls_before
            poller.kill()
            await admin.client_unpause()

            # Nothing was stored, nothing was confirmed: Telegram still holds all three.
            monkeypatch.setenv("REDIS_URL", valkey.url)
            for name, value in env.items():
                monkeypatch.setenv(name, value)
            config = load_settings()
            for update in sent:
                assert not await stored_update(admin, config, update)
                assert state.updates.is_pending(update["update_id"])

            # The next poller (after the dead one's lease expires) gets them again.
            async with running_poller(config):
                for update in sent:
                    await state.wait_until_consumed(update["update_id"], timeout=15)
            for update in sent:
                assert await stored_update(admin, config, update)
    finally:
        await admin.aclose()


async def test_bad_token_exits_with_a_clear_message(
    ingest_process: Any, settings: Settings
) -> None:
    async with fake_telegram(tokens={"987654321:" + "Z" * 35}) as (url, _, _):
        poller = ingest_process(**POLLING_ENV, TELEGRAM_API_URL=url)
        code = await poller.wait_exit(within=20)
    output = poller.log()
    assert code == 3
    assert "TELEGRAM_BOT_TOKEN" in output
    assert "401" in output
    assert settings.telegram.bot_token.get_secret_value() not in output
