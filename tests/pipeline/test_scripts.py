"""The per-chat Lua state machine, one script step at a time, with explicit time.

Config of the ``scripts`` fixture: lease 1000 ms, 3 attempts, cap 5, grace 100 ms.
"""

from __future__ import annotations

from redis.asyncio import Redis

from shared.pipeline.keys import Keys
from shared.pipeline.scripts import PipelineScripts

T0 = 5_000_000
CK = "c42"


async def _setup(redis: Redis, scripts: PipelineScripts, uids: list[int], now: int = T0) -> str:
    epoch = ""
    for uid in uids:
        status, e, _ = await scripts.ingest(redis, CK, uid, f"u{uid}".encode(), now=now)
        epoch = e or epoch
        assert status in ("SCHEDULED", "QUEUED")
    return epoch


async def _dlq(redis: Redis, keys: Keys) -> list[dict[str, str]]:
    rows = await redis.xrange(keys.dlq)
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in rows]


async def test_claim_runs_in_update_id_order_and_releases_when_empty(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    epoch = await _setup(redis, scripts, [30, 10, 20])
    step = await scripts.claim(redis, CK, epoch, "A", now=T0)
    seen = []
    while step.kind == "ITEM":
        seen.append((step.uid, step.payload, step.attempt))
        step = await scripts.next(redis, CK, epoch, "A", step.uid, "ok", now=T0 + 1)
    assert step.kind == "RELEASED"
    assert seen == [(10, b"u10", 1), (20, b"u20", 1), (30, b"u30", 1)]
    state = await redis.hgetall(keys.state(CK))  # type: ignore[misc]
    assert b"epoch" not in state and state[b"last"] == b"30"
    assert await redis.zscore(keys.active, CK) is None
    assert await redis.pttl(keys.state(CK)) > 0  # idle state expires with the dedup window


async def _arq_keys(redis: Redis, keys: Keys, job_id: str) -> list[bool]:
    names = [f"arq:{kind}:{job_id}" for kind in ("job", "in-progress", "retry")]
    present = [bool(await redis.exists(name)) for name in names]
    return [*present, await redis.zscore(keys.queue, job_id) is not None]


async def test_the_releasing_step_ends_the_arq_job_only_when_asked(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    """finish_job=True: the step that releases the chat also does arq's finish_job for the
    epoch's job (job, in-progress mark, try counter, queue entry); else all of it stays."""
    for finish, epoch_of in ((False, "a"), (True, "b")):
        epoch = await _setup(redis, scripts, [1 if epoch_of == "a" else 2])
        job_id = keys.job_id(CK, epoch)
        await redis.set(f"arq:in-progress:{job_id}", 1)
        await redis.set(f"arq:retry:{job_id}", 1)
        assert await _arq_keys(redis, keys, job_id) == [True] * 4
        step = await scripts.claim(redis, CK, epoch, epoch_of, finish_job=finish, now=T0)
        assert step.kind == "ITEM"
        assert await _arq_keys(redis, keys, job_id) == [True] * 4  # not released yet
        step = await scripts.next(
            redis, CK, epoch, epoch_of, step.uid, "ok", finish_job=finish, now=T0 + 1
        )
        assert step.kind == "RELEASED"
        assert await _arq_keys(redis, keys, job_id) == [not finish] * 4
        await redis.delete(f"arq:in-progress:{job_id}", f"arq:retry:{job_id}")


async def test_a_claim_that_releases_ends_the_arq_job_when_asked(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    epoch = await _setup(redis, scripts, [5])
    job_id = keys.job_id(CK, epoch)
    await redis.zrem(keys.inbox(CK), 5)  # the inbox is empty when the job runs
    step = await scripts.claim(redis, CK, epoch, "A", finish_job=True, now=T0)
    assert step.kind == "RELEASED"
    assert await _arq_keys(redis, keys, job_id) == [False] * 4


async def test_live_lease_excludes_others_and_expiry_hands_over(
    redis: Redis, scripts: PipelineScripts
) -> None:
    epoch = await _setup(redis, scripts, [1, 2])
    first = await scripts.claim(redis, CK, epoch, "A", now=T0)
    assert (first.kind, first.uid, first.attempt) == ("ITEM", 1, 1)
    busy = await scripts.claim(redis, CK, epoch, "B", now=T0 + 400)
    assert (busy.kind, busy.wait_ms) == ("BUSY", 600)
    # A died (SIGKILL): once its lease ran out, B takes the same head; the crash used an attempt
    taken = await scripts.claim(redis, CK, epoch, "B", now=T0 + 1001)
    assert (taken.kind, taken.uid, taken.attempt) == ("ITEM", 1, 2)
    # the zombie A can neither ack nor move the chat on
    lost = await scripts.next(redis, CK, epoch, "A", 1, "ok", now=T0 + 1002)
    assert lost.kind == "LOST"
    assert not await scripts.heartbeat(redis, CK, epoch, "A", now=T0 + 1002)
    assert await scripts.heartbeat(redis, CK, epoch, "B", now=T0 + 1002)
    after = await scripts.next(redis, CK, epoch, "B", 1, "ok", now=T0 + 1003)
    assert (after.kind, after.uid) == ("ITEM", 2)


async def test_heartbeat_extends_the_lease(redis: Redis, scripts: PipelineScripts) -> None:
    epoch = await _setup(redis, scripts, [1])
    await scripts.claim(redis, CK, epoch, "A", now=T0)
    assert await scripts.heartbeat(redis, CK, epoch, "A", now=T0 + 900)
    assert (await scripts.claim(redis, CK, epoch, "B", now=T0 + 1500)).kind == "BUSY"


async def test_failure_holds_the_head_and_backs_off_then_retries(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    epoch = await _setup(redis, scripts, [1, 2])
    await scripts.claim(redis, CK, epoch, "A", now=T0)
    y = await scripts.next(redis, CK, epoch, "A", 1, "fail", error="boom", hold_ms=500, now=T0 + 10)
    assert y.kind == "YIELD"
    state = await redis.hgetall(keys.state(CK))  # type: ignore[misc]
    assert state[b"last_err"] == b"boom" and b"owner" not in state
    wait = await scripts.claim(redis, CK, epoch, "B", now=T0 + 200)
    assert (wait.kind, wait.wait_ms) == ("WAIT", 310)
    again = await scripts.claim(redis, CK, epoch, "B", now=T0 + 600)
    assert (again.kind, again.uid, again.attempt) == ("ITEM", 1, 2)  # later updates waited


async def test_attempts_exhausted_dead_letters_with_error_and_chat_continues(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    epoch = await _setup(redis, scripts, [1, 2])
    t = T0
    for attempt in (1, 2, 3):
        step = await scripts.claim(redis, CK, epoch, f"W{attempt}", now=t)
        assert (step.uid, step.attempt) == (1, attempt)
        await scripts.next(
            redis, CK, epoch, f"W{attempt}", 1, "fail", error=f"e{attempt}", now=t + 1
        )
        t += 10
    step = await scripts.claim(redis, CK, epoch, "W4", now=t)
    assert (step.kind, step.uid, step.attempt, step.dead) == ("ITEM", 2, 1, 1)
    (entry,) = await _dlq(redis, keys)
    assert entry["ck"] == CK and entry["update_id"] == "1" and entry["attempts"] == "3"
    assert entry["error"] == "e3" and entry["payload"] == "u1"
    assert await redis.zrange(keys.inbox(CK), 0, -1) == [b"2"]


async def test_defer_does_not_use_an_attempt(redis: Redis, scripts: PipelineScripts) -> None:
    epoch = await _setup(redis, scripts, [1])
    t = T0
    for _ in range(5):  # more than max_attempts retry_after answers
        step = await scripts.claim(redis, CK, epoch, "A", now=t)
        assert (step.uid, step.attempt) == (1, 1)
        await scripts.next(redis, CK, epoch, "A", 1, "defer", hold_ms=50, now=t)
        assert (await scripts.claim(redis, CK, epoch, "A", now=t + 10)).kind == "WAIT"
        t += 100


async def test_permanent_failure_dead_letters_at_once(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    epoch = await _setup(redis, scripts, [1, 2])
    await scripts.claim(redis, CK, epoch, "A", now=T0)
    step = await scripts.next(redis, CK, epoch, "A", 1, "dead", error="bad", now=T0)
    assert (step.kind, step.uid, step.dead) == ("ITEM", 2, 1)
    assert [e["attempts"] for e in await _dlq(redis, keys)] == ["1"]


async def test_yield_keeps_the_epoch_and_frees_the_lease(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    epoch = await _setup(redis, scripts, [1, 2])
    await scripts.claim(redis, CK, epoch, "A", now=T0)
    y = await scripts.next(redis, CK, epoch, "A", 1, "ok", yield_=True, now=T0)
    assert y.kind == "YIELD"
    assert (await scripts.claim(redis, CK, epoch, "B", now=T0 + 1)).uid == 2
    # yielding on the last item releases instead
    r = await scripts.next(redis, CK, epoch, "B", 2, "ok", yield_=True, now=T0 + 2)
    assert r.kind == "RELEASED"
    assert await redis.hget(keys.state(CK), "epoch") is None  # type: ignore[misc]


async def test_stale_epoch_and_new_epoch_after_release(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    e1 = await _setup(redis, scripts, [1])
    await scripts.claim(redis, CK, e1, "A", now=T0)
    await scripts.next(redis, CK, e1, "A", 1, "ok", now=T0)
    status, e2, _ = await scripts.ingest(redis, CK, 2, b"u2", now=T0 + 1)
    assert status == "SCHEDULED" and int(e2) > int(e1)
    assert (await scripts.claim(redis, CK, e1, "A2", now=T0 + 2)).kind == "STALE"
    assert await redis.exists(keys.job_key(CK, e2)) == 1


async def test_reap_takes_over_a_dead_holder(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    epoch = await _setup(redis, scripts, [1])
    await scripts.claim(redis, CK, epoch, "A", now=T0)
    assert (await scripts.reap(redis, CK, now=T0 + 1000))[0] == "OK"  # within lease + grace
    kind, e2 = await scripts.reap(redis, CK, now=T0 + 1101)
    assert kind == "TAKEOVER" and int(e2) > int(epoch)
    assert await redis.exists(keys.job_key(CK, e2)) == 1
    assert (await scripts.next(redis, CK, epoch, "A", 1, "ok", now=T0 + 1102)).kind == "LOST"
    step = await scripts.claim(redis, CK, e2, "B", now=T0 + 1102)
    assert (step.uid, step.attempt) == (1, 2)


async def test_reap_rewrites_a_dropped_job_and_repairs_lost_state(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    epoch = await _setup(redis, scripts, [1])
    job_id = keys.job_id(CK, epoch)
    await redis.delete("arq:job:" + job_id)
    await redis.zrem(keys.queue, job_id)
    assert await scripts.reap(redis, CK, now=T0 + 5) == ("ENSURE", epoch)
    assert await redis.exists("arq:job:" + job_id) == 1
    assert await redis.zscore(keys.queue, job_id) is not None
    # lost write: the epoch vanished while updates are pending
    await redis.hdel(keys.state(CK), "epoch")  # type: ignore[misc]
    await redis.zrem(keys.active, CK)
    kind, e2 = await scripts.reap(redis, CK, now=T0 + 6)
    assert kind == "STRANDED" and e2 != epoch
    assert await redis.zscore(keys.active, CK) is not None


async def test_reap_orphan_job_in_progress_without_a_holder(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    epoch = await _setup(redis, scripts, [1])
    # a worker took the job at arq level, then died before claiming
    await redis.set("arq:in-progress:" + keys.job_id(CK, epoch), b"1")
    assert (await scripts.reap(redis, CK, now=T0 + 1000))[0] == "OK"
    kind, e2 = await scripts.reap(redis, CK, now=T0 + 1101)
    assert kind == "ORPHAN" and e2 != epoch


async def test_reap_forgets_an_idle_chat_in_the_index(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    await redis.zadd(keys.active, {CK: 1})
    assert (await scripts.reap(redis, CK, now=T0))[0] == "IDLE"
    assert await redis.zscore(keys.active, CK) is None


async def test_requeue_goes_to_the_tail_and_removes_the_entry(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    epoch = await _setup(redis, scripts, [1, 5, 6])
    await scripts.claim(redis, CK, epoch, "A", now=T0)
    await scripts.next(redis, CK, epoch, "A", 1, "dead", error="x", now=T0)
    (entry_id, _), *_ = await redis.xrange(keys.dlq)
    # the chat is now at 5 (in flight); requeued 1 must come after 6, not before 5
    status, _ = await scripts.requeue(redis, CK, 1, b"u1", entry_id.decode(), now=T0)
    assert status == "QUEUED"
    assert await redis.xlen(keys.dlq) == 0
    order = []
    step = await scripts.claim(redis, CK, epoch, "A", now=T0 + 1)
    while step.kind == "ITEM":
        order.append(step.uid)
        step = await scripts.next(redis, CK, epoch, "A", step.uid, "ok", now=T0 + 1)
    assert order == [5, 6, 1]


async def test_handoff_moves_the_activation_to_a_fresh_job(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    epoch = await _setup(redis, scripts, [1])
    step = await scripts.claim(redis, CK, epoch, "A", handoff=True, now=T0)
    assert step.kind == "HANDOFF" and step.epoch != epoch
    assert await redis.exists(keys.job_key(CK, step.epoch)) == 1
    assert (await scripts.claim(redis, CK, epoch, "A", now=T0)).kind == "STALE"


async def test_a_second_requeue_of_the_same_entry_finds_it_gone(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    epoch = await _setup(redis, scripts, [1])
    await scripts.claim(redis, CK, epoch, "A", now=T0)
    await scripts.next(redis, CK, epoch, "A", 1, "dead", error="x", now=T0)
    (entry_id, _), *_ = await redis.xrange(keys.dlq)
    # Two operators read the entry; the first requeue runs and is handled completely …
    first, epoch = await scripts.requeue(redis, CK, 1, b"u1", entry_id.decode(), now=T0)
    assert first == "SCHEDULED"
    step = await scripts.claim(redis, CK, epoch, "A", now=T0 + 1)
    assert (step.kind, step.uid) == ("ITEM", 1)
    assert (await scripts.next(redis, CK, epoch, "A", 1, "ok", now=T0 + 1)).kind == "RELEASED"
    # … so the update is no longer pending: only the vanished entry stops the second one.
    second, _ = await scripts.requeue(redis, CK, 1, b"u1", entry_id.decode(), now=T0 + 2)
    assert second == "GONE"
    assert await redis.zcard(keys.inbox(CK)) == 0
    assert await redis.zscore(keys.active, CK) is None


async def test_abandon_hands_the_chat_over_at_once_and_poisons_the_blocking_head(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    epoch = await _setup(redis, scripts, [1, 2])
    first = await scripts.claim(redis, CK, epoch, "A", now=T0)
    assert (first.kind, first.uid) == ("ITEM", 1)
    # Only the holder can hand it over.
    assert await scripts.abandon(redis, CK, epoch, "B", blocked_uid=1, now=T0 + 1) is None
    new = await scripts.abandon(
        redis, CK, epoch, "A", blocked_uid=1, error="blocked the loop", now=T0 + 2
    )
    assert new is not None and new != epoch
    # A new epoch with its job, long before A's lease would have run out; A is fenced.
    assert await redis.zscore(keys.queue, f"{keys.job_id_base}{CK}:{new}") is not None
    assert (await scripts.next(redis, CK, epoch, "A", 1, "ok", now=T0 + 3)).kind in (
        "LOST",
        "STALE",
    )
    assert not await scripts.heartbeat(redis, CK, epoch, "A", now=T0 + 3)
    # The next claim dead-letters the blocking update without running it, then goes on.
    step = await scripts.claim(redis, CK, new, "B", now=T0 + 4)
    assert (step.kind, step.uid, step.attempt, step.dead) == ("ITEM", 2, 1, 1)
    [dead] = await _dlq(redis, keys)
    assert (dead["update_id"], dead["error"]) == ("1", "blocked the loop")


async def test_abandon_without_a_blocking_update_reruns_the_head(
    redis: Redis, scripts: PipelineScripts, keys: Keys
) -> None:
    epoch = await _setup(redis, scripts, [1])
    await scripts.claim(redis, CK, epoch, "A", now=T0)
    new = await scripts.abandon(redis, CK, epoch, "A", now=T0 + 1)
    assert new is not None
    step = await scripts.claim(redis, CK, new, "B", now=T0 + 2)
    assert (step.kind, step.uid, step.attempt) == ("ITEM", 1, 2)
    assert await _dlq(redis, keys) == []
