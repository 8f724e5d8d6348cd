"""The poller lease on real Redis: exclusive, fenced, released only by its holder."""

from __future__ import annotations

import asyncio
import time

from redis.asyncio import Redis

from ingest.lease import PollerLease, lease_key
from shared.connections import hiredis_packing
from tests.ingest.conftest import eventually


async def test_only_one_holder_at_a_time(redis: Redis, prefix: str) -> None:
    first = PollerLease(redis, prefix, ttl=5, owner="a")
    second = PollerLease(redis, prefix, ttl=5, owner="b")
    assert await first.acquire()
    assert not await second.acquire()
    assert first.held and not second.held
    assert await redis.get(lease_key(prefix)) == f"{first.epoch}:a".encode()
    # Renewal keeps it ours; the local deadline moves forward and stays within the TTL.
    assert await first.renew()
    assert 4.5 < first.remaining() <= 5
    assert await redis.pttl(lease_key(prefix)) > 4500


async def test_release_hands_over_and_epochs_increase(redis: Redis, prefix: str) -> None:
    first = PollerLease(redis, prefix, ttl=5, owner="a")
    second = PollerLease(redis, prefix, ttl=5, owner="b")
    assert await first.acquire()
    epoch = first.epoch
    await first.release()
    assert not first.held
    assert await second.acquire()
    assert second.epoch is not None and epoch is not None and second.epoch > epoch


async def test_a_lost_lease_can_neither_be_renewed_nor_released(redis: Redis, prefix: str) -> None:
    old = PollerLease(redis, prefix, ttl=1, owner="same-owner")
    new = PollerLease(redis, prefix, ttl=5, owner="same-owner")
    assert await old.acquire()
    # The old holder stalls past its TTL; a newer holding (same owner name) takes over.
    await eventually(new.acquire, within=5, what="expiry")
    assert not await old.renew()
    assert not old.held
    old.value = f"{old.epoch or 0}:same-owner"  # even a stale value kept around
    await old.release()
    assert await redis.get(lease_key(prefix)) == f"{new.epoch}:same-owner".encode()
    assert await new.renew()


async def test_local_deadline_never_outlives_redis(redis: Redis, prefix: str) -> None:
    lease = PollerLease(redis, prefix, ttl=1, owner="a")
    assert await lease.acquire()
    checks = 0
    while lease.held:
        t1 = time.monotonic()
        local = lease.remaining()
        pttl = await redis.pttl(lease_key(prefix))
        elapsed = time.monotonic() - t1
        # Redis holds the key at least as long as the holder believes it does (1 ms rounding).
        assert pttl / 1000 >= local - elapsed - 0.001, (pttl, local)
        checks += 1
        await asyncio.sleep(0.05)
    assert checks >= 10
    assert await redis.pttl(lease_key(prefix)) < 200


def test_hiredis_packing_matches_redis_py() -> None:
    from redis.asyncio.connection import Connection

    fast = hiredis_packing(Connection)()
    plain = Connection()
    commands = [
        ("SET", "k", "v"),
        ("EVALSHA", "a" * 40, 2, "k1", "k2", b"\x00\xffraw", 1.5, 0, -7, ""),
        ("SCRIPT LOAD", "return 1"),
        (b"CLIENT SETNAME", b"x"),
    ]
    for command in commands:
        assert b"".join(fast.pack_command(*command)) == b"".join(plain.pack_command(*command))
    assert b"".join(fast.pack_commands(commands)) == b"".join(plain.pack_commands(commands))
