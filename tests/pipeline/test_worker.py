"""Drain workers in-process on real arq + real Redis: order, retries, DLQ, fencing, shutdown."""

from __future__ import annotations

import asyncio
import itertools
import math
import time

import pytest
from redis.asyncio import Redis

from shared.errors import PermanentError, RetryAfter
from shared.pipeline import Keys, Pipeline
from shared.pipeline import metrics as m
from shared.pipeline.scripts import PipelineScripts, ScriptConfig
from shared.pipeline.stats import collect_stats
from shared.settings import Settings, load_settings
from tests.pipeline.ledger import make_update
from tests.pipeline.support import Recorder, graceful_stop, running_worker, wait_until
from workers.pipeline.reaper import Reaper

FAST = {
    "PIPELINE_LEASE_MS": "1000",
    "PIPELINE_RETRY_BACKOFF": "[0.05, 0.1]",
    "PIPELINE_MAX_ATTEMPTS": "3",
    "PIPELINE_BATCH_SIZE": "5",
    "PIPELINE_HANDLER_TIMEOUT": "5",
    "PIPELINE_REAPER_INTERVAL": "1",
    "PIPELINE_REAPER_GRACE_MS": "100",
    "WORKER_POLL_DELAY": "0.05",
    "WORKER_SHUTDOWN_WAIT": "5",
    "WORKER_MAX_JOBS": "10",
}


@pytest.fixture
def wsettings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)
    return load_settings()


async def _idle(redis: Redis, keys: Keys) -> bool:
    return int(await redis.zcard(keys.active)) == 0


async def _enqueue(redis: Redis, settings: Settings, items: list[tuple[int, int]]) -> Pipeline:
    p = Pipeline(redis, settings)
    await p.enqueue_many([make_update(uid, chat, uid) for uid, chat in items])
    return p


async def test_each_chat_in_order_exactly_once_across_two_workers(
    redis: Redis, wsettings: Settings, keys: Keys
) -> None:
    rec = Recorder(default_sleep=0.002)
    items = [(1000 + i, i % 6) for i in range(120)]
    await _enqueue(redis, wsettings, items)
    async with running_worker(wsettings, rec), running_worker(wsettings, rec):
        await wait_until(lambda: len(rec.ok()) == 120, within=20)
        await wait_until(lambda: _idle(redis, keys), within=5)
        workers = (await collect_stats(redis, keys)).workers
        assert len(workers) == 2 and all("j_complete=" in line for line in workers.values())
    assert (await collect_stats(redis, keys)).workers == {}  # gone from the index on close
    for chat in range(6):
        expected = [uid for uid, c in items if c == chat]
        assert rec.order(f"c{chat}") == expected
    # never two runs of one chat at the same time
    for chat in range(6):
        runs = sorted((r for r in rec.runs if r.ck == f"c{chat}"), key=lambda r: r.start)
        for a, b in itertools.pairwise(runs):
            assert a.end is not None and a.end <= b.start


async def test_transient_failure_retries_same_update_while_later_ones_wait(
    redis: Redis, wsettings: Settings, keys: Keys
) -> None:
    rec = Recorder(fail_times={2: 2})
    await _enqueue(redis, wsettings, [(1, 5), (2, 5), (3, 5)])
    async with running_worker(wsettings, rec):
        await wait_until(lambda: len(rec.ok()) == 3)
    assert [(r.uid, r.attempt, r.outcome) for r in rec.runs] == [
        (1, 1, "ok"),
        (2, 1, "failed"),
        (2, 2, "failed"),
        (2, 3, "ok"),
        (3, 1, "ok"),
    ]
    # backoff 0.05 s then 0.1 s between the attempts
    r = rec.runs
    assert r[2].start - r[1].start >= 0.05 and r[3].start - r[2].start >= 0.1
    assert await redis.xlen(keys.dlq) == 0


async def test_poison_goes_to_the_dlq_and_the_chat_continues(
    redis: Redis, wsettings: Settings, keys: Keys
) -> None:
    rec = Recorder(exceptions={2: RuntimeError("bad data token=123456789:" + "B" * 35)})
    await _enqueue(redis, wsettings, [(1, 5), (2, 5), (3, 5)])
    before = m.DEAD_LETTERED._value.get()
    async with running_worker(wsettings, rec):
        await wait_until(lambda: rec.order("c5") == [1, 3])
        await wait_until(lambda: _dlq_len(redis, keys, 1))
    assert [r.attempt for r in rec.runs if r.uid == 2] == [1, 2, 3]
    (_, fields), *_ = await redis.xrange(keys.dlq)
    entry = {k.decode(): v.decode() for k, v in fields.items()}
    assert entry["update_id"] == "2" and entry["attempts"] == "3"
    assert entry["error"].startswith("RuntimeError: bad data")
    assert "B" * 35 not in entry["error"]  # no secrets in the DLQ
    assert m.DEAD_LETTERED._value.get() == before + 1


async def test_the_last_attempt_dead_letters_at_once_without_the_backoff(
    redis: Redis, wsettings: Settings, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Short backoffs before the last attempt, an hour after it: were the last failure held like
    # the others, the chat would sit an hour before its dead letter and its next update.
    monkeypatch.setenv("PIPELINE_RETRY_BACKOFF", "[0.05, 0.05, 3600]")
    settings = load_settings()
    rec = Recorder(exceptions={1: RuntimeError("poison")})
    await _enqueue(redis, settings, [(1, 5), (2, 5)])
    async with running_worker(settings, rec):
        await wait_until(lambda: rec.order("c5") == [2], within=10)
    assert [r.attempt for r in rec.runs if r.uid == 1] == [1, 2, 3]
    (_, fields), *_ = await redis.xrange(keys.dlq)
    assert fields[b"update_id"] == b"1" and fields[b"attempts"] == b"3"
    state = await redis.hgetall(keys.state("c5"))  # type: ignore[misc]
    assert b"hold" not in state


@pytest.mark.parametrize("retry_after", [math.inf, 10**400, 1e300])
async def test_a_huge_retry_after_is_clamped_to_the_hold_cap(
    redis: Redis,
    wsettings: Settings,
    keys: Keys,
    monkeypatch: pytest.MonkeyPatch,
    retry_after: float,
) -> None:
    monkeypatch.setenv("PIPELINE_MAX_HOLD_SECONDS", "30")
    settings = load_settings()
    rec = Recorder(exceptions={1: RetryAfter(retry_after)})
    await _enqueue(redis, settings, [(1, 5), (2, 5)])
    async with running_worker(settings, rec):
        await wait_until(lambda: len(rec.runs) == 1)
        state = keys.state("c5")
        await wait_until(lambda: redis.hexists(state, "hold"), within=5)
        hold, epoch = await redis.hmget(state, ["hold", "epoch"])  # type: ignore[misc]
        seconds, micros = await redis.time()
        now_ms = seconds * 1000 + micros // 1000
        assert 25_000 <= int(hold) - now_ms <= 30_000  # parked for the cap, not for ever
        assert epoch is not None  # the chat is parked, not dropped
    assert rec.order("c5") == [] and await redis.xlen(keys.dlq) == 0


async def _dlq_len(redis: Redis, keys: Keys, n: int) -> bool:
    return int(await redis.xlen(keys.dlq)) == n


async def test_permanent_error_is_dead_lettered_without_retries(
    redis: Redis, wsettings: Settings, keys: Keys
) -> None:
    rec = Recorder(exceptions={1: PermanentError("cannot handle this")})
    await _enqueue(redis, wsettings, [(1, 5), (2, 5)])
    async with running_worker(wsettings, rec):
        await wait_until(lambda: rec.order("c5") == [2])
    assert [r.attempt for r in rec.runs if r.uid == 1] == [1]
    assert await redis.xlen(keys.dlq) == 1


async def test_retry_after_waits_and_uses_no_attempt(
    redis: Redis, wsettings: Settings, keys: Keys
) -> None:
    rec = Recorder(retry_after={1: (4, 0.1)})  # more answers than max_attempts
    await _enqueue(redis, wsettings, [(1, 5), (2, 5)])
    async with running_worker(wsettings, rec):
        await wait_until(lambda: rec.order("c5") == [1, 2])
    runs = [r for r in rec.runs if r.uid == 1]
    assert [r.attempt for r in runs] == [1, 1, 1, 1, 1]
    assert all(b.start - a.start >= 0.1 for a, b in itertools.pairwise(runs))
    assert await redis.xlen(keys.dlq) == 0


async def test_handler_timeout_is_a_failed_attempt(
    redis: Redis, wsettings: Settings, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_HANDLER_TIMEOUT", "0.2")
    settings = load_settings()
    rec = Recorder(sleep={1: 5.0})
    await _enqueue(redis, settings, [(1, 5), (2, 5)])
    async with running_worker(settings, rec):
        await wait_until(lambda: rec.order("c5") == [2], within=10)
    assert [r.outcome for r in rec.runs if r.uid == 1] == ["cancelled"] * 3
    (_, fields), *_ = await redis.xrange(keys.dlq)
    assert fields[b"error"] == b"handler timed out after 0.2s"


async def test_heartbeat_keeps_a_long_handler_s_lease(
    redis: Redis, wsettings: Settings, keys: Keys
) -> None:
    rec = Recorder(sleep={1: 2.5})  # 2.5 leases
    await _enqueue(redis, wsettings, [(1, 5), (2, 5)])
    scripts = PipelineScripts(keys, ScriptConfig.from_settings(wsettings))
    # two workers: the idle one would take the chat over if the lease were not renewed
    async with running_worker(wsettings, rec), running_worker(wsettings, rec):
        await wait_until(lambda: len(rec.runs) == 1)
        await asyncio.sleep(1.5)  # the 1 s lease would have run out, were it not renewed
        counts = await Reaper(redis, scripts, 300).run_once()
        assert counts.get("TAKEOVER", 0) == 0
        await wait_until(lambda: rec.order("c5") == [1, 2], within=10)
    assert [r.uid for r in rec.runs] == [1, 2]  # never run twice


async def test_lost_lease_cancels_the_handler_and_fences_the_ack(
    redis: Redis, wsettings: Settings, keys: Keys
) -> None:
    gate = asyncio.Event()
    rec = Recorder(gates={1: gate})
    await _enqueue(redis, wsettings, [(1, 5), (2, 5)])
    lost_before = m.LEASES_LOST._value.get()
    async with running_worker(wsettings, rec):
        await wait_until(lambda: len(rec.runs) == 1)
        # another worker took the chat over (what a reaper takeover does to a stalled holder)
        await redis.hset(keys.state("c5"), "owner", "intruder/1/x")  # type: ignore[misc]
        await wait_until(lambda: rec.runs[0].outcome == "cancelled", within=5)
        await wait_until(lambda: m.LEASES_LOST._value.get() == lost_before + 1)
    assert await redis.zrange(keys.inbox("c5"), 0, -1) == [b"1", b"2"]  # nothing acked
    assert rec.ok() == []


async def test_graceful_stop_ends_the_batch_and_frees_the_lease_at_once(
    redis: Redis, wsettings: Settings, keys: Keys
) -> None:
    rec1 = Recorder(default_sleep=0.05)
    await _enqueue(redis, wsettings, [(i, 5) for i in range(1, 41)])
    async with running_worker(wsettings, rec1) as w1:
        await wait_until(lambda: len(rec1.ok()) >= 2)
        graceful_stop(w1)
        await wait_until(lambda: not w1.tasks, within=5)
    state = await redis.hgetall(keys.state("c5"))  # type: ignore[misc]
    assert b"epoch" in state and b"owner" not in state  # handed back, not held until expiry
    handled = len(rec1.ok())
    assert handled < 40
    rec2 = Recorder()
    async with running_worker(wsettings, rec2):
        await wait_until(lambda: len(rec2.ok()) == 40 - handled, within=10)
    assert rec1.order("c5") + rec2.order("c5") == list(range(1, 41))


async def test_wake_up_latency_does_not_wait_for_the_poll(
    redis: Redis, wsettings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKER_POLL_DELAY", "1.0")  # a poll alone would average 500 ms
    settings = load_settings()
    rec = Recorder()
    p = Pipeline(redis, settings)
    latencies = []
    async with running_worker(settings, rec):
        await asyncio.sleep(0.2)
        for i in range(30):
            t0 = time.monotonic()
            await p.enqueue(make_update(500 + i, 100 + i, 1))
            started = rec.started.setdefault(500 + i, asyncio.Event())
            await asyncio.wait_for(started.wait(), 5)
            latencies.append(rec.runs[-1].start - t0)
    latencies.sort()
    assert latencies[len(latencies) // 2] < 0.05, latencies
    assert latencies[int(len(latencies) * 0.9)] < 0.25, latencies


async def test_a_hot_chat_takes_turns_with_others(
    redis: Redis, wsettings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKER_MAX_JOBS", "1")  # one slot: only rotation lets others in
    settings = load_settings()
    rec = Recorder(default_sleep=0.002)
    await _enqueue(redis, settings, [(i, 1) for i in range(1, 201)])
    async with running_worker(settings, rec):
        await wait_until(lambda: len(rec.ok()) >= 3)
        await _enqueue(redis, settings, [(1000, 2)])
        await wait_until(lambda: rec.order("c2") == [1000])
        hot_done_before = len(rec.order("c1"))
    assert hot_done_before < 200 - 5  # the normal chat did not wait for the backlog


async def test_reaper_cron_repairs_a_dropped_activation_job(
    redis: Redis, wsettings: Settings, keys: Keys
) -> None:
    await _enqueue(redis, wsettings, [(1, 5)])
    epoch = (await redis.hget(keys.state("c5"), "epoch")).decode()  # type: ignore[misc]
    job_id = keys.job_id("c5", epoch)
    await redis.delete("arq:job:" + job_id)  # arq lost it (expiry, max tries, failover)
    await redis.zrem(keys.queue, job_id)
    rec = Recorder()
    async with running_worker(wsettings, rec):
        await wait_until(lambda: rec.order("c5") == [1], within=10)


async def test_the_dlq_keeps_its_newest_entries_up_to_the_cap(
    redis: Redis, wsettings: Settings, keys: Keys, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPELINE_DLQ_MAX_ENTRIES", "2")
    monkeypatch.setenv("PIPELINE_MAX_ATTEMPTS", "1")
    settings = load_settings()
    rec = Recorder(exceptions={uid: PermanentError(f"bad {uid}") for uid in (1, 2, 3, 4)})
    await _enqueue(redis, settings, [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)])
    before = m.DLQ_TRIMMED._value.get()
    async with running_worker(settings, rec):
        await wait_until(lambda: rec.order("c5") == [5], within=10)
    entries = [f[b"update_id"] for _, f in await redis.xrange(keys.dlq)]
    assert entries == [b"3", b"4"]  # the oldest two went
    assert m.DLQ_TRIMMED._value.get() == before + 2
    assert int(await redis.get(keys.pending_bytes)) == 0  # every payload left the budget


async def test_the_fence_is_free_while_the_lease_is_fresh_and_closes_after_a_takeover(
    redis: Redis, wsettings: Settings, keys: Keys
) -> None:
    from workers.pipeline.drain import UpdateMeta

    side_effects: list[str] = []
    done = asyncio.Event()

    class Stalling(Recorder):
        async def __call__(self, raw: bytes, meta: UpdateMeta) -> None:
            assert meta.fence is not None
            if await meta.fence():
                side_effects.append("fresh")
            # Meanwhile the chat is taken over (what the reaper does to a stalled holder) and
            # this process stalls past half its lease (GC, SIGSTOP): the loop runs nothing.
            await redis.hset(keys.state("c5"), "owner", "intruder/1/x")  # type: ignore[misc]
            time.sleep(0.6)  # noqa: ASYNC251 — the stall is the fault under test
            try:
                if await meta.fence():
                    side_effects.append("stale")
            finally:
                done.set()

    rec = Stalling()
    await _enqueue(redis, wsettings, [(1, 5)])
    async with running_worker(wsettings, rec):
        await asyncio.wait_for(done.wait(), 10)
    assert side_effects == ["fresh"]
