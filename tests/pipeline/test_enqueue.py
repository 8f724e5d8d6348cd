"""Enqueue: dedup, per-chat cap, one round trip, key prefix, batch validation."""

from __future__ import annotations

import hashlib
import json

import pytest
from redis.asyncio import Redis
from redis.asyncio.connection import Connection

from shared.errors import InvalidUpdate
from shared.pipeline import EnqueueResult, EnqueueStatus, Keys, Pipeline
from shared.pipeline.scripts import LuaScript, PipelineScripts, ScriptConfig, run_batch
from shared.settings import Settings
from tests.pipeline.ledger import make_update
from workers.pipeline.queue import job_deserializer


class RoundTrips:
    """Counts writes of packed commands to any Redis connection (a pipeline is one write)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = Connection.send_packed_command

        async def counting(conn: Connection, command: object, check_health: bool = True) -> None:
            self.count += 1
            await original(conn, command, check_health)  # type: ignore[arg-type]

        monkeypatch.setattr(Connection, "send_packed_command", counting)


async def test_first_update_schedules_then_queues_then_dedups(
    redis: Redis, settings: Settings, keys: Keys
) -> None:
    p = Pipeline(redis, settings)
    r1 = await p.enqueue(make_update(100, -5, 1))
    r2 = await p.enqueue(make_update(101, -5, 2))
    r3 = await p.enqueue(make_update(100, -5, 1))
    assert r1 == EnqueueResult(EnqueueStatus.SCHEDULED, 100, "c-5")
    assert r2.status is EnqueueStatus.QUEUED
    assert r3.status is EnqueueStatus.DUPLICATE
    assert all(r.accepted and r.durable for r in (r1, r2, r3))
    assert await redis.zrange(keys.inbox("c-5"), 0, -1) == [b"100", b"101"]
    # one activation job, written by the same script, and one wake token
    jobs = await redis.zrange(keys.queue, 0, -1)
    assert len(jobs) == 1
    assert await redis.llen(keys.wake) == 1  # type: ignore[misc]
    job = job_deserializer(await redis.get("arq:job:" + jobs[0].decode()))
    ck, epoch = job["a"]
    assert (job["f"], ck, job["k"], job["t"]) == ("drain", "c-5", {}, None)
    assert jobs[0].decode() == keys.job_id("c-5", epoch)


async def test_duplicate_is_detected_after_the_update_was_handled(
    redis: Redis, settings: Settings, keys: Keys, scripts: PipelineScripts
) -> None:
    p = Pipeline(redis, settings)
    await p.enqueue(make_update(7, 1, 1))
    epoch = (await redis.hget(keys.state("c1"), "epoch")).decode()  # type: ignore[misc]
    step = await scripts.claim(redis, "c1", epoch, "w/1/a")
    assert step.kind == "ITEM"
    assert (await scripts.next(redis, "c1", epoch, "w/1/a", 7, "ok")).kind == "RELEASED"
    again = await p.enqueue(make_update(7, 1, 1))
    assert again.status is EnqueueStatus.DUPLICATE
    assert await redis.zcard(keys.inbox("c1")) == 0
    assert await redis.hget(keys.state("c1"), "epoch") is None  # type: ignore[misc]


async def test_dedup_window_is_the_configured_ttl(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    ttl = scripts.config.dedup_ttl_ms
    t0 = 10_000_000
    assert (await scripts.ingest(redis, "c1", 5, b"{}", now=t0))[0] == "SCHEDULED"
    assert (await scripts.ingest(redis, "c1", 5, b"{}", now=t0 + ttl))[0] == "DUPLICATE"
    # past the window the id is forgotten (Telegram keeps updates 24 h; the window is >= 48 h)
    assert (await scripts.ingest(redis, "c1", 5, b"{}", now=t0 + ttl + 1))[0] == "QUEUED"
    assert 0 < await redis.pttl(f"{keys.chat_base('c1')}:seen") <= ttl


async def test_full_chat_is_refused_and_nothing_is_written(
    redis: Redis, settings: Settings, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_MAX_PENDING_PER_CHAT", "3")
    from shared.settings import load_settings

    p = Pipeline(redis, load_settings())
    results = [await p.enqueue(make_update(u, 9, u)) for u in (1, 2, 3, 4)]
    assert [r.status for r in results][-1] is EnqueueStatus.FULL
    assert not results[-1].accepted and not results[-1].durable
    assert await redis.zcard(keys.inbox("c9")) == 3
    # FULL did not record the id as seen: Telegram's redelivery is accepted once there is room
    assert await redis.zscore(f"{keys.chat_base('c9')}:seen", "4") is None
    other = await p.enqueue(make_update(5, 10, 1))
    assert other.status is EnqueueStatus.SCHEDULED  # the cap is per chat


async def test_enqueue_is_one_round_trip_and_a_batch_is_one_too(
    redis: Redis, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = Pipeline(redis, settings)
    await p.enqueue(make_update(1, 1, 1))  # the script is loaded now if it was not
    trips = RoundTrips(monkeypatch)
    await p.enqueue(make_update(2, 1, 2))
    assert trips.count == 1
    trips.count = 0
    results = await p.enqueue_many([make_update(10 + i, i % 4, i) for i in range(40)])
    assert trips.count == 1
    assert len(results) == 40 and all(r.accepted for r in results)


async def test_batch_loads_a_script_redis_does_not_have(redis: Redis, keys: Keys) -> None:
    """After a Redis restart the script cache is empty: NOSCRIPT is answered by loading."""
    scripts = PipelineScripts(keys, ScriptConfig())
    script = LuaScript("ingest")
    script.source += f"\n-- never loaded {keys.prefix}"  # a SHA Redis has never seen
    script.sha = hashlib.sha1(script.source.encode(), usedforsecurity=False).hexdigest()
    _, call_keys, args = scripts.ingest_call("c3", 77, b"{}")
    (reply,) = await run_batch(redis, [(script, call_keys, args)])
    assert reply[0] == b"SCHEDULED"
    assert await redis.zscore(keys.inbox("c3"), "77") == 77


async def test_invalid_element_rejects_the_batch_before_any_write(
    redis: Redis, settings: Settings, keys: Keys
) -> None:
    p = Pipeline(redis, settings)
    with pytest.raises(InvalidUpdate) as info:
        await p.enqueue_many([make_update(1, 1, 1), b'{"no": "id"}'])
    assert info.value.reason == "no_update_id"
    assert await redis.exists(keys.inbox("c1")) == 0


async def test_every_key_carries_the_prefix(redis: Redis, settings: Settings, prefix: str) -> None:
    p = Pipeline(redis, settings)
    await p.enqueue_many([make_update(u, u % 3, u) for u in range(1, 10)])
    found = [k.decode() async for k in redis.scan_iter(match=f"*{prefix}*")]
    assert found
    assert all(k.startswith(prefix + ":") or k.startswith(f"arq:job:{prefix}:") for k in found)


async def test_late_arrival_goes_next_but_never_ahead_of_the_head_in_flight(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    now = 1_000_000
    _, epoch, _ = await scripts.ingest(redis, "c1", 10, b"{}", now=now)
    await scripts.ingest(redis, "c1", 12, b"{}", now=now)
    step = await scripts.claim(redis, "c1", epoch, "w/1/a", now=now)
    assert step.uid == 10
    status, _, late = await scripts.ingest(redis, "c1", 9, b"{}", now=now)
    assert (status, late) == ("QUEUED", True)
    step = await scripts.next(redis, "c1", epoch, "w/1/a", 10, "ok", now=now)
    assert step.uid == 9  # right after the head it could not overtake
    step = await scripts.next(redis, "c1", epoch, "w/1/a", 9, "ok", now=now)
    assert step.uid == 12


async def test_payload_bytes_round_trip_unchanged(
    redis: Redis, settings: Settings, scripts: PipelineScripts
) -> None:
    raw = json.dumps(
        {"update_id": 3, "message": {"chat": {"id": 4}, "text": "Привет, dunyo! \u0000 \\"}},
        ensure_ascii=False,
    ).encode()
    p = Pipeline(redis, settings)
    await p.enqueue(raw)
    epoch = (await redis.hget(p.keys.state("c4"), "epoch")).decode()  # type: ignore[misc]
    step = await p.scripts.claim(redis, "c4", epoch, "w/1/a")
    assert step.payload == raw
