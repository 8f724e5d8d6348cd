"""Chaos run of events and updates sharing chats, with real worker processes SIGKILLed.

Workers are ``bot-gateway worker --handler tests.notifications.chaos_handler:factory``
subprocesses: the real pipeline, the real event lanes and the production fan-out call, recorded in
a Redis stream (the ledger). This process plays Telegram and the services: numbered updates per
chat and service events naming 1–3 of the same chats, interleaved, 5 % of each delivered twice,
while the controller of ``tests.pipeline.chaos`` SIGKILLs, SIGSTOPs and SIGTERMs workers. After
the load stops and everything drained, the checker reads the ledger:

* updates: per chat the first completions are 1..K in order, none lost;
* fan-out: every (event, chat) got exactly one notification item, however often the event's
  fan-out ran (retries after a kill find it there: ``DUPLICATE``); a redelivered event is not
  stored twice;
* notifications: every one completed (0 losses) and none started before the item it was placed
  behind had completed (it never overtakes what the chat was already doing or had pending);
* a notification or update executed twice is explained by a fault of the worker that ran it
  first (at-least-once, as for updates); no two executions in one chat overlap except with a
  stopped or killed worker.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import secrets
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from shared.connections import create_redis
from shared.events import Event, EventStore
from shared.pipeline import Keys, Pipeline
from tests.pipeline.chaos import (
    ChaosConfig,
    Faults,
    Fleet,
    _controller,
    _read_stream,
    drop_run_keys,
    fleet_env,
    restore_and_drain,
    run_settings,
    start_fleet,
)
from tests.pipeline.ledger import make_update

ROOT = Path(__file__).resolve().parents[2]
HANDLER = "tests.notifications.chaos_handler:factory"


@dataclass
class EventChaosConfig:
    workers: int = 3
    chats: int = 20
    updates_per_chat: int = 25
    events: int = 150
    arrival_seconds: float = 25.0
    dup_rate: float = 0.05
    lease_ms: int = 3000
    seed: int = 7
    drain_deadline: float = 90.0


class EventFleet(Fleet):
    def start(self) -> int:
        import subprocess
        import sys

        exe = Path(sys.executable).with_name("bot-gateway")
        path = self.logdir / f"worker-{len(self.procs) + len(self.faults.exits)}.log"
        log = path.open("wb")
        proc = subprocess.Popen(
            [str(exe), "worker", "--handler", HANDLER],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        log.close()
        self.procs[proc.pid] = proc
        self.logs[proc.pid] = path
        return proc.pid


@dataclass
class Plan:
    updates: dict[int, tuple[int, int]]  # uid -> (chat, seq)
    notices: set[tuple[str, int]]  # (event id, chat) expected
    stats: dict[str, int]


def _event(n: int, chats: list[int], rng: random.Random) -> Event:
    body = {
        "event_id": f"chaos:{n}",
        "type": "request.status_changed",
        "occurred_at": "2026-12-06T10:00:00Z",
        "payload": {
            "request": {"request_number": f"261206-{rng.randrange(1, 12):03d}"},
            "chaos_recipients": chats,
        },
    }
    return Event(
        body["event_id"],  # type: ignore[arg-type]
        "request.status_changed",
        "2026-12-06T10:00:00Z",
        body["payload"],  # type: ignore[arg-type]
        msgspec.json.encode(body),
    )


async def _load(p: Pipeline, store: EventStore, cfg: EventChaosConfig, rng: random.Random) -> Plan:
    counters = dict.fromkeys(range(cfg.chats), 0)
    updates: dict[int, tuple[int, int]] = {}
    notices: set[tuple[str, int]] = set()
    stats: dict[str, int] = defaultdict(int)
    later: list[asyncio.Task[Any]] = []
    total = cfg.chats * cfg.updates_per_chat + cfg.events
    uid, events_sent = 10_000, 0

    async def again(event: Event, delay: float) -> None:
        await asyncio.sleep(delay)
        result = await store.store([event])
        stats["event_dups_rejected"] += result.duplicates

    for _ in range(total):
        left_updates = sum(cfg.updates_per_chat - c for c in counters.values())
        if events_sent < cfg.events and (not left_updates or rng.random() < cfg.events / total):
            events_sent += 1
            chats = [1_000 + c for c in rng.sample(range(cfg.chats), rng.randint(1, 3))]
            event = _event(events_sent, chats, rng)
            result = await store.store([event])
            assert result.accepted == 1
            notices.update((event.event_id, chat) for chat in chats)
            if rng.random() < cfg.dup_rate:
                stats["event_dups_injected"] += 1
                later.append(asyncio.create_task(again(event, rng.uniform(0.2, 4))))
        else:
            chat = rng.choice([c for c, n in counters.items() if n < cfg.updates_per_chat])
            counters[chat] += 1
            uid += 1
            raw = make_update(uid, 1_000 + chat, counters[chat], rng.randint(1, 40))
            updates[uid] = (1_000 + chat, counters[chat])
            assert (await p.enqueue(raw)).accepted
            if rng.random() < cfg.dup_rate:
                stats["update_dups_injected"] += 1
                stats["update_dups_rejected"] += (await p.enqueue(raw)).status.value == "duplicate"
        await asyncio.sleep(cfg.arrival_seconds / total * rng.uniform(0.5, 1.5))
    await asyncio.gather(*later)
    stats["events"] = events_sent
    stats["updates"] = len(updates)
    return Plan(updates, notices, stats)


def check(  # noqa: C901 - one pass per invariant, side by side
    ledger: list[dict[str, str]], plan: Plan, faults: Faults
) -> tuple[dict[str, Any], list[str]]:
    problems: list[str] = []
    faulted = {pid for pid, _ in faults.kills} | {pid for pid, _, _ in faults.stops}
    faulted |= {pid for pid, _ in faults.terms} | {pid for pid, _ in faults.lease_lost}
    # Fan-out: one notification item per (event, chat), whatever the number of fan-out runs.
    items: dict[tuple[str, int], set[int]] = defaultdict(set)
    behind: dict[int, int | None] = {}
    fanouts: dict[str, int] = defaultdict(int)
    retried = 0
    for row in ledger:
        if row["ev"] == "fan_start":
            fanouts[row["item"]] += 1
        if row["ev"] != "fanned":
            continue
        key = (row["item"], int(row["chat"]))
        if row["status"] in ("QUEUED", "SCHEDULED"):
            items[key].add(int(row["nuid"]))
            behind[int(row["nuid"])] = int(row["behind"]) if row["behind"] else None
        elif row["status"] == "DUPLICATE":
            retried += 1
        else:
            problems.append(f"fan-out {key} answered {row['status']}")
    # A worker killed between the fan-out and its ledger line leaves no "fanned" row (the retry
    # finds the item there: DUPLICATE); the item's own runs name it too.
    for row in ledger:
        if row["ev"] in ("start", "end") and row["item"].startswith("n:"):
            items[(row["item"][2:], int(row["ck"][1:]))].add(int(row["uid"]))
    problems.extend(
        f"{key}: {len(items.get(key, ()))} notification items"
        for key in plan.notices
        if len(items.get(key, ())) != 1
    )
    unexpected = set(items) - plan.notices
    if unexpected:
        problems.append(f"notifications nobody asked for: {sorted(unexpected)[:5]}")
    # Executions per item, in ledger order.
    first_start: dict[int, int] = {}
    first_end: dict[int, int] = {}
    starts: dict[int, list[tuple[int, int]]] = defaultdict(list)  # uid -> [(index, pid)]
    open_runs: dict[tuple[int, int], int] = {}
    by_chat: dict[str, list[tuple[int, int, int, int]]] = defaultdict(list)  # start, end, pid, uid
    for index, row in enumerate(ledger):
        if row["ev"] not in ("start", "end"):
            continue
        uid, pid = int(row["uid"]), int(row["pid"])
        if row["ev"] == "start":
            first_start.setdefault(uid, index)
            starts[uid].append((index, pid))
            open_runs[(uid, pid)] = index
        else:
            first_end.setdefault(uid, index)
            began = open_runs.pop((uid, pid), index)
            by_chat[row["ck"]].append((began, index, pid, uid))
    # Updates: order and losses.
    order_violations = losses = 0
    per_chat: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for uid, (chat, seq) in plan.updates.items():
        if uid not in first_end:
            losses += 1
            problems.append(f"update {uid} (chat {chat} seq {seq}) never completed")
        else:
            per_chat[chat].append((first_end[uid], seq))
    for chat, done in per_chat.items():
        seqs = [seq for _, seq in sorted(done)]
        if seqs != sorted(seqs):
            order_violations += 1
            problems.append(f"chat {chat}: updates completed out of order {seqs[:20]}")
    # Notifications: losses, and never ahead of what they were placed behind.
    overtakes = 0
    for key, uids in items.items():
        for nuid in uids:
            if nuid not in first_end:
                losses += 1
                problems.append(f"notification {key} never completed")
                continue
            before = behind.get(nuid)
            if before is not None and not (
                before in first_end and first_end[before] < first_start[nuid]
            ):
                overtakes += 1
                problems.append(f"notification {key} started before item {before} completed")
    # Duplicate executions must be explained by a fault of the first runner.
    duplicate_runs = unexplained = 0
    for uid, runs in starts.items():
        for (_, pid), _later in itertools.pairwise(runs):
            duplicate_runs += 1
            if pid not in faulted:
                unexplained += 1
                problems.append(f"item {uid} ran again after pid {pid}, which had no fault")
    # No overlapping runs in one chat between healthy workers.
    overlaps = 0
    for ck, chat_runs in by_chat.items():
        chat_runs.sort()
        for (_s1, e1, p1, u1), (s2, _e2, p2, u2) in itertools.pairwise(chat_runs):
            if s2 < e1 and p1 not in faulted and p2 not in faulted:
                overlaps += 1
                problems.append(f"{ck}: items {u1} and {u2} ran at once")
    figures = {
        "updates": len(plan.updates),
        "events": plan.stats["events"],
        "notifications_expected": len(plan.notices),
        "notification_items": sum(len(v) for v in items.values()),
        "fanout_runs": sum(fanouts.values()),
        "fanout_retries_found_existing": retried,
        "event_dups_injected": plan.stats["event_dups_injected"],
        "event_dups_rejected": plan.stats["event_dups_rejected"],
        "update_dups_injected": plan.stats["update_dups_injected"],
        "update_dups_rejected": plan.stats["update_dups_rejected"],
        "losses": losses,
        "order_violations": order_violations,
        "overtakes": overtakes,
        "duplicate_executions": duplicate_runs,
        "unexplained_duplicates": unexplained,
        "overlaps_between_healthy_workers": overlaps,
        "kills": len(faults.kills),
        "stops": len(faults.stops),
        "terms": len(faults.terms),
    }
    return figures, problems


async def run_event_chaos(
    cfg: EventChaosConfig, redis_url: str, token: str
) -> tuple[dict[str, Any], list[str]]:
    rng = random.Random(cfg.seed)
    prefix = f"evchaos{secrets.token_hex(4)}"
    env = fleet_env(prefix, redis_url, token, cfg.lease_ms, 20, WORKER_METRICS_PORT="0")
    settings = run_settings(prefix, redis_url, token)
    keys = Keys(prefix, settings.telegram.bot_id)
    redis = create_redis(redis_url)
    logdir = Path(tempfile.mkdtemp(prefix="bgw-evchaos-"))
    fleet = EventFleet(env, logdir)
    faults_cfg = ChaosConfig(workers=cfg.workers, lease_ms=cfg.lease_ms, fault_every=(1.5, 3.5))
    try:
        await start_fleet(fleet, cfg.workers, redis, keys)
        stop = asyncio.Event()
        controller = asyncio.create_task(_controller(fleet, faults_cfg, rng, stop))
        plan = await _load(Pipeline(redis, settings), EventStore(redis, settings), cfg, rng)
        stop.set()
        await controller
        if not await restore_and_drain(fleet, cfg.workers, redis, keys, cfg.drain_deadline):
            return {"logdir": str(logdir)}, ["the lanes did not drain in time"]
        fleet.stop_all()
        fleet.collect_lease_losses()
        ledger = await _read_stream(redis, f"{prefix}:ledger")
        dlq = await redis.xlen(keys.dlq)
        figures, problems = check(ledger, plan, fleet.faults)
        figures["dlq"] = dlq
        if dlq:
            problems.append(f"{dlq} item(s) dead-lettered")
        figures["logdir"] = str(logdir)
        return figures, problems
    finally:
        fleet.stop_all()
        await drop_run_keys(redis, prefix)


def main() -> int:
    figures, problems = asyncio.run(
        run_event_chaos(
            EventChaosConfig(),
            os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            os.environ.get("TELEGRAM_BOT_TOKEN", "123456789:" + "A" * 35),
        )
    )
    print(figures)
    for problem in problems[:50]:
        print("PROBLEM", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
