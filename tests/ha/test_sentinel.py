"""Redis Sentinel: every client finds the primary through the sentinels and follows a failover;
INGEST_REPLICA_ACK holds the acknowledgement until a replica has the update."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from arq.connections import ArqRedis
from redis.asyncio import Redis

from shared.connections import connect_redis
from shared.pipeline import Pipeline
from shared.pipeline.scripts import ReplicaAckMissing
from shared.settings import RedisSection, Settings, load_settings, parse_sentinels
from tests.ha.cluster import MASTER, Cluster
from tests.ingest.conftest import SECRET, running_receiver, update
from workers.pipeline.queue import create_sentinel_pool, redis_settings


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    started = Cluster.start(Path(tmp_path_factory.mktemp("sentinel")))
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def ha_settings(cluster: Cluster, monkeypatch: pytest.MonkeyPatch, key_prefix: str) -> Settings:
    # The URL's host is ignored under Sentinel: a port nothing listens on proves it.
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/3")
    monkeypatch.setenv("REDIS_SENTINELS", cluster.sentinel_spec)
    monkeypatch.setenv("REDIS_SENTINEL_MASTER", MASTER)
    monkeypatch.setenv("REDIS_KEY_PREFIX", key_prefix.replace(":", "."))
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    return load_settings()


@pytest.fixture
async def client(ha_settings: Settings) -> AsyncIterator[Redis]:
    redis = connect_redis(ha_settings.redis, socket_timeout=2.0, retries=10)
    try:
        yield redis
    finally:
        await redis.aclose()


def test_sentinel_list_parsing() -> None:
    assert parse_sentinels(" a:1, b , [::1]:26380") == (("a", 1), ("b", 26379), ("::1", 26380))
    assert parse_sentinels("") == ()
    for bad in ("a:x", "a:0", ":5"):
        with pytest.raises(ValueError, match="host:port"):
            parse_sentinels(bad)


def test_bad_sentinel_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.settings import SettingsError, load_section

    monkeypatch.setenv("REDIS_SENTINELS", "redis-1:port")
    with pytest.raises(SettingsError, match=r"^REDIS_SENTINELS: "):
        load_section(RedisSection)


async def test_writes_reach_the_primary_in_the_urls_database(
    cluster: Cluster, client: Redis, key_prefix: str
) -> None:
    key = f"{key_prefix}:where"
    await client.set(key, "here")
    primary = next(n for n in cluster.nodes if n.port == cluster.primary_port())
    direct = primary.client()
    assert direct.execute_command("SELECT", 3)
    assert direct.get(key) == b"here"
    assert direct.connection_pool.connection_kwargs.get("db", 0) == 0  # the check used db 3


async def test_webhook_through_sentinel_with_replica_ack(
    cluster: Cluster, ha_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await asyncio.to_thread(cluster.wait_replicated)
    monkeypatch.setenv("INGEST_REPLICA_ACK", "1")
    settings = load_settings()
    assert settings.ingest.replica_ack == 1
    async with running_receiver(settings) as receiver:
        assert (await receiver.client.get(f"{receiver.url}/ready")).status_code == 200
        response = await receiver.post(update(7001, chat_id=77))
        assert response.status_code == 200
        again = await receiver.post(update(7001, chat_id=77))
        assert again.status_code == 200  # a redelivery is a duplicate, acknowledged again


async def test_the_client_follows_a_failover(
    cluster: Cluster, client: Redis, key_prefix: str
) -> None:
    key = f"{key_prefix}:counter"
    await client.incr(key)
    old = cluster.primary_port()
    new = await asyncio.to_thread(cluster.failover)
    assert new != old
    # The pooled connection to the old primary is refused (READONLY once it is demoted, or
    # dropped); the client asks the sentinels again and lands on the new one.
    deadline = asyncio.get_running_loop().time() + 15
    while True:
        try:
            value = await client.incr(key)
            break
        except Exception:
            assert asyncio.get_running_loop().time() < deadline, "never reached the new primary"
            await asyncio.sleep(0.1)
    assert value == 2
    assert client.connection_pool.connection_kwargs.get("db") == 3
    assert await client.get(key) == b"2"


async def test_arq_settings_and_pool_use_the_sentinels(
    cluster: Cluster, ha_settings: Settings
) -> None:
    rs = redis_settings(ha_settings.redis)
    assert rs.sentinel and rs.sentinel_master == MASTER
    assert rs.host == [("127.0.0.1", s.port) for s in cluster.sentinels]
    assert rs.database == 3
    pool = create_sentinel_pool(ha_settings.redis)
    try:
        assert isinstance(pool, ArqRedis)
        assert await pool.ping()
        info = await pool.info("replication")
        assert info["role"] == "master"
        assert type(await pool.connection_pool.get_connection("PING")).__name__.startswith(
            "HiredisPacking"
        )
    finally:
        await pool.aclose()


async def test_replica_ack_without_replicas_is_not_an_acknowledgement(
    redis: Redis, monkeypatch: pytest.MonkeyPatch, key_prefix: str
) -> None:
    # The shared test Redis has no replica: WAIT 1 times out with 0.
    monkeypatch.setenv("REDIS_KEY_PREFIX", key_prefix.replace(":", "."))
    monkeypatch.setenv("INGEST_REPLICA_ACK", "1")
    monkeypatch.setenv("INGEST_REPLICA_ACK_TIMEOUT", "0.05")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    settings = load_settings()
    pipeline = Pipeline(redis, settings)
    with pytest.raises(ReplicaAckMissing, match="0 of 1"):
        await pipeline.enqueue(update(8001, chat_id=88))
    async with running_receiver(settings) as receiver:
        response = await receiver.post(update(8002, chat_id=88))
        assert response.status_code == 503
        text = await receiver.metrics()
        assert 'bot_gateway_ingest_store_failures_total{reason="redis_error"} 1.0' in text
