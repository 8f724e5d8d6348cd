"""Model check of the per-chat state machine: the real Lua scripts under random schedules.

Hypothesis drives receivers (new, duplicate and late deliveries), three workers playing arq
(pick a due activation job, claim, settle with ok / fail / dead / defer, yield, heartbeat), crashes
(a worker forgets everything; arq redelivers its job only after the in-progress TTL), stalls (a
worker keeps acting after time jumped past its lease), arq dropping jobs, explicit time jumps and
the reaper.  The arq queue and job keys are the real ones the scripts write; arq's own pick-up and
finish are simulated here exactly as arq does them.  After every step the invariants I1-I7 of
docs/pipeline.md are checked against Redis; at the end the system is driven to quiescence
(no more crashes, time moves on, reaper runs) and liveness is checked: every inbox empty, no
activation left, every accepted update handled or dead-lettered, per chat in order.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
from collections import Counter
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

import hypothesis.strategies as st
from hypothesis import HealthCheck, settings
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from shared.connections import create_redis
from shared.pipeline.keys import ARQ_IN_PROGRESS_PREFIX, ARQ_JOB_PREFIX, Keys
from shared.pipeline.scripts import PipelineScripts, ScriptConfig, Step
from tests.conftest import KEY_PREFIX
from workers.pipeline.reaper import Reaper

T = TypeVar("T")
CHATS = ("c1", "c2")
WORKERS = 3
LEASE, GRACE, MAX_ATT, CAP = 1000, 100, 3, 8
IN_PROGRESS_TTL = 5000  # arq: max job timeout + 10 s, scaled down with the lease
T0 = 1_000_000_000
# CI-sized; raise with PIPELINE_MODEL_EXAMPLES / PIPELINE_MODEL_STEPS for a longer search.
MAX_EXAMPLES = int(os.environ.get("PIPELINE_MODEL_EXAMPLES", "80"))
STEPS = int(os.environ.get("PIPELINE_MODEL_STEPS", "100"))
# What the schedules reached, over all examples: the test fails if a dangerous path was never
# taken (a model check that never saw a takeover proves little about takeovers).
COVERAGE: Counter[str] = Counter()


@dataclass
class Held:
    """A worker's view: the job it runs and, while it runs a handler, the update."""

    job_id: str
    ck: str
    epoch: str
    token: str
    uid: int | None = None


class PipelineModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.redis = create_redis(_redis_url())
        self.prefix = f"{KEY_PREFIX}.m{secrets.token_hex(4)}"
        self.keys = Keys(self.prefix, 1)
        self.scripts = PipelineScripts(
            self.keys,
            ScriptConfig(lease_ms=LEASE, max_attempts=MAX_ATT, max_pending=CAP, grace_ms=GRACE),
        )
        self.reaper = Reaper(self.redis, self.scripts, scan_interval=0)
        self.now = T0
        self.next_uid = 100
        self.accepted: dict[str, list[int]] = {ck: [] for ck in CHATS}
        self.delivered: list[tuple[str, int]] = []
        self.held_back: list[tuple[str, int]] = []
        self.acked: dict[str, list[int]] = {ck: [] for ck in CHATS}
        self.poison: set[int] = set()
        self.workers: list[Held | None] = [None] * WORKERS
        self.crashed: dict[str, int] = {}  # job id -> time its worker died holding it
        self.gens: dict[str, int] = {}
        self.tokens = 0
        self.late: set[int] = set()
        self.prev_q: dict[str, list[int]] = {ck: [] for ck in CHATS}
        self.removed: dict[str, list[int]] = {ck: [] for ck in CHATS}

    # -- plumbing ---------------------------------------------------------------------------
    def run(self, aw: Awaitable[T]) -> T:
        return self.loop.run_until_complete(aw)

    def teardown(self) -> None:
        try:
            self.quiesce()
        finally:
            self.run(self._cleanup())
            self.loop.close()

    async def _cleanup(self) -> None:
        keys = [k async for k in self.redis.scan_iter(match=f"*{self.prefix}*", count=1000)]
        if keys:
            await self.redis.unlink(*keys)
        await self.redis.aclose()

    def _ingest(self, ck: str, uid: int) -> str:
        raw = json.dumps({"update_id": uid, "ck": ck}).encode()
        status, _, late = self.run(self.scripts.ingest(self.redis, ck, uid, raw, now=self.now))
        COVERAGE[status] += 1
        if late:
            self.late.add(uid)
            COVERAGE["late"] += 1
        if status in ("QUEUED", "SCHEDULED"):
            assert uid not in self.accepted[ck], "a duplicate was accepted"
            self.accepted[ck].append(uid)
        elif status == "DUPLICATE":
            assert uid in self.accepted[ck], "a new update was taken for a duplicate"
        else:
            assert status == "FULL"
        return status

    # -- receivers ------------------------------------------------------------------------------
    @initialize()
    def start(self) -> None:
        self._ingest("c1", self._uid())

    def _uid(self) -> int:
        self.next_uid += 1
        return self.next_uid

    @rule(ck=st.sampled_from(CHATS), poison=st.booleans(), late=st.booleans())
    def deliver(self, ck: str, poison: bool, late: bool) -> None:
        uid = self._uid()
        if late:
            # Telegram sent it on another connection: it arrives after later ones (late arrival)
            self.held_back.append((ck, uid))
            return
        if poison and len(self.poison) < 2:
            self.poison.add(uid)
        if self._ingest(ck, uid) != "FULL":
            self.delivered.append((ck, uid))

    @precondition(lambda self: self.held_back)
    @rule(data=st.data())
    def deliver_late(self, data: st.DataObject) -> None:
        ck, uid = data.draw(st.sampled_from(self.held_back))
        self.held_back.remove((ck, uid))
        if self._ingest(ck, uid) != "FULL":
            self.delivered.append((ck, uid))

    @precondition(lambda self: self.delivered)
    @rule(data=st.data())
    def redeliver(self, data: st.DataObject) -> None:
        ck, uid = data.draw(st.sampled_from(self.delivered))
        assert self._ingest(ck, uid) == "DUPLICATE"

    # -- arq, simulated over the real queue -----------------------------------------------------
    def _due_jobs(self, *, everything: bool = False) -> list[str]:
        until = "+inf" if everything else self.now
        ids = self.run(self.redis.zrangebyscore(self.keys.queue, "-inf", until))
        out = []
        for raw in ids:
            job_id = raw.decode()
            if not self.run(self.redis.exists(ARQ_IN_PROGRESS_PREFIX + job_id)):
                out.append(job_id)
        return out

    def _finish(self, job_id: str) -> None:
        """arq finish_job after a return: job gone from the queue."""
        self.run(self._finish_async(job_id))

    async def _finish_async(self, job_id: str) -> None:
        await self.redis.zrem(self.keys.queue, job_id)
        await self.redis.delete(ARQ_JOB_PREFIX + job_id, ARQ_IN_PROGRESS_PREFIX + job_id)

    def _retry(self, job_id: str, defer_ms: int) -> None:
        """arq finish_job after Retry(defer): re-scored to now + defer, not in progress."""
        self.run(self.redis.zadd(self.keys.queue, {job_id: self.now + max(defer_ms, 1)}))
        self.run(self.redis.delete(ARQ_IN_PROGRESS_PREFIX + job_id))

    @rule(w=st.integers(0, WORKERS - 1), early=st.booleans(), data=st.data())
    def pick_job(self, w: int, early: bool, data: st.DataObject) -> None:
        """A free worker starts a due job; ``early``: its clock runs ahead (any queued job)."""
        if self.workers[w] is not None:
            return
        due = self._due_jobs(everything=early)
        if not due:
            return
        job_id = data.draw(st.sampled_from(due))
        self._start(w, job_id)

    @precondition(lambda self: any(self.workers))
    @rule(w=st.integers(0, WORKERS - 1))
    def arq_forgets_in_progress(self, w: int) -> None:
        """A live worker's in-progress key expires (stalled loop): arq may start the job twice."""
        held = self.workers[w]
        if held is not None:
            self.run(self.redis.delete(ARQ_IN_PROGRESS_PREFIX + held.job_id))

    def _start(self, w: int, job_id: str) -> None:
        raw = self.run(self.redis.get(ARQ_JOB_PREFIX + job_id))
        self.run(self.redis.set(ARQ_IN_PROGRESS_PREFIX + job_id, b"1"))
        if raw is None:
            self._finish(job_id)  # arq: "job expired"
            return
        ck, epoch = json.loads(raw)["a"]
        self.tokens += 1
        held = Held(job_id, ck, epoch, f"w{w}/{self.tokens}/x")
        step = self.run(self.scripts.claim(self.redis, ck, epoch, held.token, now=self.now))
        self._after(w, held, step, claimed=True)

    def _after(self, w: int, held: Held, step: Step, *, claimed: bool = False) -> None:
        COVERAGE[step.kind] += 1
        COVERAGE["dead"] += step.dead
        if step.kind == "ITEM":
            held.uid = step.uid
            assert step.attempt <= MAX_ATT
            self.workers[w] = held
            return
        self.workers[w] = None
        if step.kind in ("BUSY", "WAIT"):
            assert claimed
            self._retry(held.job_id, step.wait_ms)
        elif step.kind == "YIELD":
            hold = int(self.run(self.redis.hget(self.keys.state(held.ck), "hold")) or 0)  # type: ignore[arg-type]
            self._retry(held.job_id, max(hold - self.now, 1))
        else:
            assert step.kind in ("RELEASED", "STALE", "LOST", "HANDOFF"), step.kind
            self._finish(held.job_id)

    @precondition(lambda self: any(self.workers))
    @rule(
        w=st.integers(0, WORKERS - 1),
        outcome=st.sampled_from(["ok", "ok", "ok", "fail", "dead", "defer"]),
        yield_=st.booleans(),
        dies=st.sampled_from([False, False, False, True]),
    )
    def settle(self, w: int, outcome: str, yield_: bool, dies: bool = False) -> None:
        """Run NEXT; ``dies``: the worker dies right after, before arq finishes the job."""
        held = self.workers[w]
        if held is None or held.uid is None:
            return
        uid = held.uid
        if uid in self.poison and outcome == "ok":
            outcome = "fail"
        state = self._state(held.ck)
        head = self.run(self.redis.zrange(self.keys.inbox(held.ck), 0, 0))
        ours = state.get("epoch") == held.epoch and state.get("owner") == held.token
        hold = 400 if outcome in ("fail", "defer") else 0
        step = self.run(
            self.scripts.next(
                self.redis,
                held.ck,
                held.epoch,
                held.token,
                uid,
                outcome,
                error=f"e{uid}",
                yield_=yield_,
                hold_ms=hold,
                now=self.now,
            )
        )
        if not ours:
            # I3 fencing: whoever lost the lease can neither ack nor move the chat on
            assert step.kind == "LOST"
        else:
            assert step.kind != "LOST"
            # I4 order: only the head ever leaves the inbox
            assert head and int(head[0]) == uid
            if outcome == "ok":
                self.acked[held.ck].append(uid)
        if dies and step.kind != "ITEM":
            COVERAGE["died_before_finish"] += 1
            self.crashed[held.job_id] = self.now
            self.workers[w] = None
            return
        self._after(w, held, step)

    @precondition(lambda self: any(self.workers))
    @rule(w=st.integers(0, WORKERS - 1))
    def heartbeat(self, w: int) -> None:
        held = self.workers[w]
        if held is None:
            return
        state = self._state(held.ck)
        ours = state.get("epoch") == held.epoch and state.get("owner") == held.token
        ok = self.run(
            self.scripts.heartbeat(self.redis, held.ck, held.epoch, held.token, now=self.now)
        )
        assert ok == ours

    @precondition(lambda self: any(self.workers))
    @rule(w=st.integers(0, WORKERS - 1))
    def crash(self, w: int) -> None:
        held = self.workers[w]
        if held is None:
            return
        self.crashed[held.job_id] = self.now
        self.workers[w] = None

    @precondition(lambda self: any(self.workers))
    @rule()
    def stall_past_the_lease(self) -> None:
        """Every holder stalls (GC pause, SIGSTOP) past its lease while the reaper runs."""
        self.now += LEASE + GRACE + 1
        self.reap()

    @precondition(lambda self: self.crashed)
    @rule()
    def arq_redelivers(self) -> None:
        """arq's in-progress key of a dead worker's job expires: the job becomes runnable."""
        for job_id, died in list(self.crashed.items()):
            if self.now - died >= IN_PROGRESS_TTL:
                self.run(self.redis.delete(ARQ_IN_PROGRESS_PREFIX + job_id))
                del self.crashed[job_id]

    @rule(data=st.data())
    def arq_drops_a_job(self, data: st.DataObject) -> None:
        """max tries / 24 h expiry / a lost write: a queued job vanishes."""
        due = self._due_jobs()
        running = {h.job_id for h in self.workers if h}
        candidates = [j for j in due if j not in running]
        if candidates:
            self._finish(data.draw(st.sampled_from(candidates)))

    @rule(ms=st.sampled_from([1, 30, 200, 700, 1500, 6000]))
    def advance(self, ms: int) -> None:
        self.now += ms

    @rule()
    def reap(self) -> None:
        COVERAGE.update(self.run(self.reaper.reap_chats(CHATS, now=self.now)))

    # -- invariants -------------------------------------------------------------------------------
    def _state(self, ck: str) -> dict[str, str]:
        raw = self.run(self.redis.hgetall(self.keys.state(ck)))  # type: ignore[arg-type]
        return {k.decode(): v.decode() for k, v in raw.items()}

    def _dlq(self) -> dict[str, list[tuple[int, int]]]:
        out: dict[str, list[tuple[int, int]]] = {ck: [] for ck in CHATS}
        for _, f in self.run(self.redis.xrange(self.keys.dlq)):
            out[f[b"ck"].decode()].append((int(f[b"update_id"]), int(f[b"attempts"])))
        return out

    @invariant()
    def invariants_i1_to_i7(self) -> None:
        dlq = self._dlq()
        active = {c.decode() for c in self.run(self.redis.zrange(self.keys.active, 0, -1))}
        for ck in CHATS:
            state = self._state(ck)
            q = [int(u) for u in self.run(self.redis.zrange(self.keys.inbox(ck), 0, -1))]
            payloads = {int(u) for u in self.run(self.redis.hkeys(self.keys.chat(ck)[1]))}  # type: ignore[arg-type]
            # I1: epochs only grow and the current one is the newest generation
            gen = int(state.get("gen", 0))
            assert gen >= self.gens.get(ck, 0)
            self.gens[ck] = gen
            if "epoch" in state:
                assert state["epoch"] == state["gen"]
                assert ck in active
            # I2: pending work always has an activation
            if q:
                assert "epoch" in state
            # I5: every accepted update is in exactly one place
            dead = [u for u, _ in dlq[ck]]
            places = q + self.acked[ck] + dead
            assert sorted(places) == sorted(self.accepted[ck]), (q, self.acked[ck], dead)
            assert payloads == set(q)
            # removal order, as observed between steps (inbox order of what left)
            self.removed[ck] += [u for u in self.prev_q[ck] if u not in q]
            self.prev_q[ck] = q
            # I6: bounded attempts
            assert int(state.get("att", 0)) <= MAX_ATT
            assert all(0 <= a <= MAX_ATT for _, a in dlq[ck])
            # I7: every accepted id is remembered for dedup
            seen = self.run(self.redis.zrange(f"{self.keys.chat_base(ck)}:seen", 0, -1))
            assert set(self.accepted[ck]) <= {int(u) for u in seen}

    # -- liveness ---------------------------------------------------------------------------------
    def quiesce(self) -> None:
        """No more faults: finish what runs, let time pass, reap, run every job to the end."""
        for ck, uid in list(self.held_back):
            self.held_back.remove((ck, uid))
            self._ingest(ck, uid)
        for _ in range(400):
            progressed = False
            for w in range(WORKERS):
                held = self.workers[w]
                if held is not None:
                    self.settle(w, "ok", False)
                    progressed = True
                    continue
                due = self._due_jobs()
                if due:
                    self._start(w, due[0])
                    progressed = True
            if not progressed:
                pending = self.run(self.redis.zcard(self.keys.queue))
                states = [self._state(ck) for ck in CHATS]
                if not pending and not any("epoch" in s for s in states):
                    break
                self.now += 2000
                self.arq_redelivers()
                self.reap()
        for ck in CHATS:
            assert self.run(self.redis.zcard(self.keys.inbox(ck))) == 0
            assert "epoch" not in self._state(ck)
            dead = {u for u, _ in self._dlq()[ck]}
            assert set(self.acked[ck]) | dead == set(self.accepted[ck])
            # per chat, each exactly once and in update_id order (late arrivals excepted)
            assert len(self.acked[ck]) == len(set(self.acked[ck]))
            in_order = [u for u in self.removed[ck] if u not in self.late]
            assert in_order == sorted(in_order)
            assert self.poison & set(self.acked[ck]) == set()
        assert self.run(self.redis.zcard(self.keys.queue)) == 0
        assert self.run(self.redis.zcard(self.keys.active)) == 0


def _redis_url() -> str:
    return os.environ["REDIS_URL"]


def test_state_machine() -> None:
    run_state_machine_as_test(
        PipelineModel,
        settings=settings(
            max_examples=MAX_EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            derandomize=True,
        ),
    )
    print(dict(COVERAGE))
    for path in ("LOST", "BUSY", "WAIT", "YIELD", "dead", "DUPLICATE", "FULL", "late"):
        assert COVERAGE[path] > 0, path
    assert COVERAGE["TAKEOVER"] > 0 and COVERAGE["ORPHAN"] > 0
    assert COVERAGE["ENSURE"] > 0
