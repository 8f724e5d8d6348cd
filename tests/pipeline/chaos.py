"""Chaos run of the pipeline with real worker processes, and its checker.

Workers are ``bot-gateway worker --handler tests.pipeline.ledger:factory`` subprocesses; the
handler writes ``start`` / ``end`` / ``fail`` events to a Redis stream (the ledger) that survives
their deaths.  This process plays Telegram and the receiver: numbered updates per chat, 5 %
delivered twice (some concurrently, some seconds later), a few poison updates that always raise.
A controller meanwhile SIGKILLs workers (restarting them), SIGSTOPs one beyond the lease (a
zombie that wakes up fenced) and SIGTERMs one now and then (a deploy).  After the faults stop and
everything drained, the checker reads the ledger and the DLQ:

* per chat, the first completions are exactly 1..K in order (dead-lettered seqs left out);
* DLQ == the poison updates; every other update completed (0 losses);
* no two executions of one chat overlap, except ones involving a stopped (zombie) worker;
* duplicate executions are explained by a kill / stop / deploy of the worker that ran the update
  before; Telegram duplicates are handled 0 times.

``python -m tests.pipeline.chaos`` runs the CI size; ``--long --minutes 10`` keeps the load and
faults going for that long and prints the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from shared.connections import create_redis
from shared.pipeline import EnqueueStatus, Keys, Pipeline
from shared.settings import Settings, load_settings
from tests.pipeline.ledger import LEDGER_ENV, make_update

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ChaosConfig:
    workers: int = 3
    chats: int = 50
    updates_per_chat: int = 50
    minutes: float | None = None  # long mode: keep going this long
    arrival_seconds: float = 35.0  # CI mode: spread the updates over this long
    dup_rate: float = 0.05
    poison: int = 5
    fault_every: tuple[float, float] = (1.5, 4.0)
    lease_ms: int = 3000
    seed: int = 1
    drain_deadline: float = 90.0


@dataclass
class Faults:
    kills: list[tuple[int, float]] = field(default_factory=list)  # pid, time
    stops: list[tuple[int, float, float]] = field(default_factory=list)  # pid, stop, cont
    terms: list[tuple[int, float]] = field(default_factory=list)  # pid, signal time
    exits: dict[int, float] = field(default_factory=dict)  # pid -> time it was seen gone
    # pid, time: the worker itself logged that it was fenced out of a lease (lease_lost). Besides
    # the SIGSTOPs, a worker starved of CPU past its lease on a busy machine gets there too.
    lease_lost: list[tuple[int, float]] = field(default_factory=list)


@dataclass
class Report:
    figures: dict[str, Any]
    problems: list[str]

    def ok(self) -> bool:
        return not self.problems


class Fleet:
    """The worker subprocesses: start, kill, stop, restart; only pids started here."""

    def __init__(
        self, env: dict[str, str], logdir: Path, handler: str = "tests.pipeline.ledger:factory"
    ) -> None:
        self.env = env
        self.logdir = logdir
        self.handler = handler
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.logs: dict[int, Path] = {}
        self.faults = Faults()

    def start(self) -> int:
        exe = Path(sys.executable).with_name("bot-gateway")
        cmd = [str(exe), "worker", "--handler", self.handler]
        path = self.logdir / f"worker-{len(self.procs) + len(self.faults.exits)}.log"
        log = path.open("wb")
        proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=log)
        log.close()
        self.procs[proc.pid] = proc
        self.logs[proc.pid] = path
        return proc.pid

    def collect_lease_losses(self) -> None:
        """Read each worker's JSON log for the lease losses it reported."""
        for pid, path in self.logs.items():
            for line in path.read_text(errors="replace").splitlines():
                if '"lease_lost"' not in line:
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if event.get("event") == "lease_lost" and "timestamp" in event:
                    at = datetime.fromisoformat(event["timestamp"]).timestamp()
                    self.faults.lease_lost.append((pid, at))

    def alive(self) -> list[int]:
        for pid, proc in list(self.procs.items()):
            if proc.poll() is not None:
                self.faults.exits.setdefault(pid, time.time())
                del self.procs[pid]
        return list(self.procs)

    def kill(self, pid: int) -> None:
        self.faults.kills.append((pid, time.time()))
        os.kill(pid, signal.SIGKILL)
        self.procs[pid].wait()
        self.faults.exits[pid] = time.time()
        del self.procs[pid]

    def term(self, pid: int) -> None:
        self.faults.terms.append((pid, time.time()))
        self.procs[pid].send_signal(signal.SIGTERM)

    def stop_all(self) -> None:
        for pid, proc in list(self.procs.items()):
            os.kill(pid, signal.SIGCONT)
            proc.send_signal(signal.SIGTERM)
        deadline = time.time() + 15
        for pid, proc in list(self.procs.items()):
            try:
                proc.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            self.faults.exits.setdefault(pid, time.time())
        self.procs.clear()


FIRST_FAULTS = ("kill", "stop", "kill", "term", "kill", "stop")


async def _controller(
    fleet: Fleet, cfg: ChaosConfig, rng: random.Random, stop: asyncio.Event
) -> None:
    """Faults every U(fault_every) s: the first few cover every kind, then at random."""
    lease = cfg.lease_ms / 1000
    n = 0
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), rng.uniform(*cfg.fault_every))
            return
        except TimeoutError:
            pass
        alive = fleet.alive()
        while len(alive) < cfg.workers:  # a deploy or a crash is followed by a restart
            fleet.start()
            alive = fleet.alive()
        pid = rng.choice(alive)
        roll = rng.random()
        kind = (
            FIRST_FAULTS[n]
            if n < len(FIRST_FAULTS)
            else ("kill" if roll < 0.65 else "stop" if roll < 0.85 else "term")
        )
        n += 1
        if kind == "kill":
            fleet.kill(pid)
            await asyncio.sleep(rng.uniform(0, 2))
            fleet.start()
        elif kind == "stop":
            t0 = time.time()
            os.kill(pid, signal.SIGSTOP)
            await asyncio.sleep(lease + rng.uniform(1.5, 3.0))  # beyond lease + grace + reaper
            os.kill(pid, signal.SIGCONT)
            fleet.faults.stops.append((pid, t0, time.time()))
        else:
            fleet.term(pid)
            fleet.start()


async def _load(
    p: Pipeline,
    cfg: ChaosConfig,
    rng: random.Random,
    sent: dict[int, float],
    stats: dict[str, int],
    poison_uids: set[int],
) -> dict[int, tuple[int, int]]:
    """Deliver each chat's updates in order, chats interleaved; returns uid -> (chat, seq)."""
    plan: list[tuple[int, int]] = []
    counters = dict.fromkeys(range(cfg.chats), 0)
    deadline = time.time() + (cfg.minutes * 60 if cfg.minutes else cfg.arrival_seconds)
    total = cfg.chats * cfg.updates_per_chat
    poison_at = set(rng.sample(range(total), cfg.poison)) if not cfg.minutes else set()
    meta: dict[int, tuple[int, int]] = {}
    uid = 10_000
    later: list[asyncio.Task[Any]] = []
    n = 0
    while True:
        if cfg.minutes:
            if time.time() > deadline:
                break
        elif n >= total:
            break
        chat = rng.randrange(cfg.chats)
        if not cfg.minutes and counters[chat] >= cfg.updates_per_chat:
            continue
        counters[chat] += 1
        uid += 1
        poison = n in poison_at or (cfg.minutes is not None and rng.random() < 0.002)
        sleep_ms = 1000 if rng.random() < 0.01 else rng.randint(1, 50)
        raw = make_update(uid, 1_000 + chat, counters[chat], sleep_ms, "poison" if poison else "ok")
        meta[uid] = (1_000 + chat, counters[chat])
        plan.append((uid, chat))
        sent[uid] = time.time()
        if rng.random() < cfg.dup_rate:
            stats["dups_injected"] += 1
            if rng.random() < 0.5:  # concurrent: two connections deliver it at once
                results = await asyncio.gather(p.enqueue(raw), p.enqueue(raw))
                stats["dups_rejected"] += sum(r.status is EnqueueStatus.DUPLICATE for r in results)
            else:
                r = await p.enqueue(raw)
                assert r.accepted
                later.append(asyncio.create_task(_redeliver(p, raw, rng.uniform(0.5, 5), stats)))
        else:
            r = await p.enqueue(raw)
            assert r.accepted, r
        if poison:
            poison_uids.add(uid)
        n += 1
        if cfg.minutes:
            await asyncio.sleep(rng.expovariate(120))  # ~120 updates/s
        else:
            await asyncio.sleep(cfg.arrival_seconds / total * rng.uniform(0.5, 1.5))
    await asyncio.gather(*later)
    stats["updates"] = n
    return meta


async def _redeliver(p: Pipeline, raw: bytes, delay: float, stats: dict[str, int]) -> None:
    await asyncio.sleep(delay)
    r = await p.enqueue(raw)
    stats["dups_rejected"] += r.status is EnqueueStatus.DUPLICATE


async def _drained(redis: Redis, keys: Keys) -> bool:
    """No active chat and no activation job left (the reaper's cron job always is)."""
    if await redis.zcard(keys.active):
        return False
    jobs = await redis.zrange(keys.queue, 0, -1)
    return not any(j.decode().startswith(keys.job_id_base) for j in jobs)


async def _snapshot(redis: Redis, keys: Keys) -> dict[str, Any]:
    """What is left, for a run that did not drain."""
    from shared.pipeline.stats import collect_stats

    stats = (await collect_stats(redis, keys)).as_dict()
    chats = {}
    for ck in (c.decode() for c in await redis.zrange(keys.active, 0, 9)):
        state = await redis.hgetall(keys.state(ck))  # type: ignore[misc]
        chats[ck] = {
            "state": {k.decode(): v.decode() for k, v in state.items()},
            "pending": await redis.zcard(keys.inbox(ck)),
        }
    jobs = await redis.zrange(keys.queue, 0, 9, withscores=True)
    return {"stats": stats, "chats": chats, "jobs": [(j.decode(), s) for j, s in jobs]}


async def _wait_for_workers(redis: Redis, keys: Keys, n: int, fleet: Fleet) -> None:
    """Every worker has written its health key; a worker that died at start fails the run."""
    deadline = time.time() + 120  # start-up takes tens of seconds on a loaded machine
    while True:
        if await redis.zcard(keys.workers) >= n:
            return
        if len(fleet.alive()) < n or time.time() > deadline:
            logs = "\n".join(p.read_text()[-2000:] for p in fleet.logdir.glob("*.log"))
            raise RuntimeError(f"workers did not start:\n{logs}")
        await asyncio.sleep(0.1)


async def _read_stream(redis: Redis, key: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    last = "-"
    while True:
        rows = await redis.xrange(key, min=last, max="+", count=5000)
        if last != "-":
            rows = rows[1:]
        if not rows:
            return out
        for entry_id, fields in rows:
            row = {k.decode(): v.decode("utf-8", "replace") for k, v in fields.items()}
            row["_id"] = entry_id.decode()
            out.append(row)
        last = rows[-1][0].decode()


def _at(entry_id: str) -> tuple[int, int]:
    """A stream id as (ms, seq): Redis's own total order of the ledger writes."""
    ms, seq = entry_id.split("-")
    return int(ms), int(seq)


def _pct(xs: list[float], q: float) -> float | None:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(q * len(xs)))], 4) if xs else None


class Checker:
    """Judges a finished run from the ledger; times are the ledger's Redis stream ids."""

    NEVER = (2**62, 0)

    def __init__(self, ledger: list[dict[str, str]], faults: Faults) -> None:
        self.problems: list[str] = []
        self.runs: dict[int, list[dict[str, Any]]] = defaultdict(list)  # uid -> executions
        open_runs: dict[tuple[int, int], dict[str, Any]] = {}
        for ev in ledger:
            uid, pid, at = int(ev["uid"]), int(ev["pid"]), _at(ev["_id"])
            if ev["ev"] == "start":
                run: dict[str, Any] = {"uid": uid, "pid": pid, "start": at, "end": None}
                run["ok"] = False
                self.runs[uid].append(run)
                open_runs[(uid, pid)] = run
                continue
            found = open_runs.pop((uid, pid), None)
            if found is None:
                self.problems.append(f"{ev['ev']} without start: uid {uid} pid {pid}")
                continue
            found["end"], found["ok"] = at, ev["ev"] == "end"
        self.died = {pid: (int(t * 1000), 0) for pid, t in faults.exits.items()}
        self.died.update({pid: (int(t * 1000), 0) for pid, t in faults.kills})
        self.kill_at = dict(faults.kills)
        # a kill or a deploy (SIGTERM) of the worker: either may repeat the run in flight
        self.fault_at = {pid: (int(t * 1000), 0) for pid, t in [*faults.kills, *faults.terms]}
        self.stops: dict[int, list[tuple[tuple[int, int], tuple[int, int]]]] = defaultdict(list)
        self.lost_at: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for pid, t in faults.lease_lost:
            self.lost_at[pid].append((int(t * 1000), 0))
        for pid, t0, t1 in faults.stops:
            self.stops[pid].append(((int(t0 * 1000), 0), (int(t1 * 1000) + 1, 0)))

    def _trace(self, prev: dict[str, Any], nxt: dict[str, Any]) -> str:
        """What the checker knew of both runs' workers (to tell a bug from a missed fault)."""
        pid = prev["pid"]
        return (
            f"first pid {pid} {prev['start']}..{prev['end']} ok={prev['ok']}, "
            f"then pid {nxt['pid']} from {nxt['start']}; pid {pid}: "
            f"fault {self.fault_at.get(pid)}, died {self.died.get(pid)}, "
            f"stops {self.stops.get(pid, [])}, lease lost {self.lost_at.get(pid, [])}"
        )

    def end_of(self, run: dict[str, Any]) -> tuple[int, int]:
        end: tuple[int, int] = run["end"] or self.died.get(run["pid"], self.NEVER)
        return end

    def zombie(self, run: dict[str, Any]) -> bool:
        """The run's worker was stopped while the run was open."""
        end = self.end_of(run)
        return any(t0 < end and t1 > run["start"] for t0, t1 in self.stops[run["pid"]])

    def completeness(
        self, meta: dict[int, tuple[int, int]], dead: set[int], poison: set[int]
    ) -> tuple[int, int]:
        """Losses and order violations of the first completions per chat."""
        if dead != poison:
            self.problems.append(f"DLQ {sorted(dead)} != poison {sorted(poison)}")
        losses = 0
        firsts: dict[int, list[tuple[tuple[int, int], int]]] = defaultdict(list)
        for uid, (chat, seq) in meta.items():
            if uid in dead:
                continue
            oks = sorted(r["end"] for r in self.runs.get(uid, []) if r["ok"])
            if not oks:
                losses += 1
                self.problems.append(f"lost: chat {chat} seq {seq} uid {uid}")
                continue
            firsts[chat].append((oks[0], seq))
        violations = 0
        for chat, items in firsts.items():
            seqs = [seq for _, seq in sorted(items)]
            expected = sorted(s for u, (c, s) in meta.items() if c == chat and u not in dead)
            if seqs != expected:
                violations += max(1, sum(b < a for a, b in itertools.pairwise(seqs)))
                self.problems.append(f"chat {chat}: first completions out of order")
        return losses, violations

    def overlaps(self, meta: dict[int, tuple[int, int]]) -> tuple[int, int]:
        """(non-zombie, zombie) overlapping execution pairs of one chat."""
        plain = zombie = 0
        per_chat: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for uid, rs in self.runs.items():
            per_chat[meta[uid][0]].extend(rs)
        for chat, rs in per_chat.items():
            rs.sort(key=lambda r: r["start"])
            for i, a in enumerate(rs):
                for b in rs[i + 1 :]:
                    if b["start"] >= self.end_of(a):
                        break
                    if self.zombie(a) or self.zombie(b):
                        zombie += 1
                    else:
                        plain += 1
                        self.problems.append(f"chat {chat}: uid {a['uid']} / {b['uid']} overlap")
        return plain, zombie

    def duplicates(self, poison: set[int]) -> tuple[int, int, list[float]]:
        """Extra executions, those no fault explains, and redelivery delays after SIGKILL."""
        extra = unexplained = 0
        redelivery: list[float] = []
        for uid, rs in self.runs.items():
            if uid in poison:
                continue
            rs.sort(key=lambda r: r["start"])
            for prev, nxt in itertools.pairwise(rs):
                extra += 1
                pid = prev["pid"]
                fault = self.fault_at.get(pid)
                crashed = fault is not None and prev["start"] <= fault <= nxt["start"]
                # The fenced worker notices at its next lease call, just after its own run.
                noticed_by = max(self.end_of(nxt), (self.end_of(prev)[0] + 10_000, 0))
                fenced = any(prev["start"] <= at <= noticed_by for at in self.lost_at.get(pid, ()))
                if not (crashed or fenced or self.zombie(prev)):
                    unexplained += 1
                    self.problems.append(
                        f"uid {uid} ran again with no fault to explain it: {self._trace(prev, nxt)}"
                    )
                if prev["end"] is None and pid in self.kill_at:
                    redelivery.append(nxt["start"][0] / 1000 - self.kill_at[pid])
        return extra, unexplained, redelivery


def check(
    ledger: list[dict[str, str]],
    dlq: list[dict[str, str]],
    meta: dict[int, tuple[int, int]],
    poison: set[int],
    sent: dict[int, float],
    faults: Faults,
    stats: dict[str, int],
) -> Report:
    c = Checker(ledger, faults)
    dead = {int(e["update_id"]) for e in dlq}
    losses, order_violations = c.completeness(meta, dead, poison)
    overlaps, zombie_overlaps = c.overlaps(meta)
    extra, unexplained, redelivery = c.duplicates(poison)
    e2e = [min(r["start"] for r in c.runs[u])[0] / 1000 - sent[u] for u in meta if c.runs.get(u)]
    n = max(1, stats["updates"])
    figures = {
        "updates": stats["updates"],
        "executions": sum(len(v) for v in c.runs.values()),
        "duplicates_injected": stats["dups_injected"],
        "duplicates_rejected_at_ingest": stats["dups_rejected"],
        "kills": len(faults.kills),
        "zombie_stops": len(faults.stops),
        "sigterms": len(faults.terms),
        "lease_losses_logged": len(faults.lease_lost),
        "losses": losses,
        "order_violations": order_violations,
        "overlaps_non_zombie": overlaps,
        "overlaps_zombie": zombie_overlaps,
        "dlq": len(dead),
        "poison_injected": len(poison),
        "duplicate_executions": extra,
        "duplicate_executions_per_1000": round(1000 * extra / n, 2),
        "unexplained_duplicate_executions": unexplained,
        "redelivery_after_kill_s": {
            "n": len(redelivery),
            "p50": _pct(redelivery, 0.5),
            "p99": _pct(redelivery, 0.99),
            "max": round(max(redelivery), 3) if redelivery else None,
        },
        "enqueue_to_first_start_s": {
            "p50": _pct(e2e, 0.5),
            "p95": _pct(e2e, 0.95),
            "p99": _pct(e2e, 0.99),
        },
    }
    if stats["dups_rejected"] != stats["dups_injected"]:
        c.problems.append("a Telegram duplicate was not rejected at ingest")
    return Report(figures, c.problems)


def fleet_env(
    prefix: str, redis_url: str, token: str, lease_ms: int, max_attempts: int, **overrides: str
) -> dict[str, str]:
    """The workers' environment for one run: the run's own key prefix and ledger, short leases,
    timers and retries so faults are noticed in seconds, quiet JSON logs; ``overrides`` on top."""
    env = dict(os.environ)
    env.update(
        {
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": prefix,
            "TELEGRAM_BOT_TOKEN": token,
            LEDGER_ENV: f"{prefix}:ledger",
            "PIPELINE_LEASE_MS": str(lease_ms),
            "PIPELINE_MAX_ATTEMPTS": str(max_attempts),
            "PIPELINE_REAPER_INTERVAL": "1",
            "PIPELINE_REAPER_GRACE_MS": "200",
            "PIPELINE_RETRY_BACKOFF": "[0.1, 0.2, 0.3, 0.5]",
            "PIPELINE_HANDLER_TIMEOUT": "3",
            "PIPELINE_BATCH_SECONDS": "1",
            "WORKER_MAX_JOBS": "20",
            "WORKER_SHUTDOWN_WAIT": "3",
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "json",
            **overrides,
        }
    )
    return env


def run_settings(prefix: str, redis_url: str, token: str) -> Settings:
    """The settings the run's own side (loader, checks) uses: the workers', read with the run's
    Redis, prefix and token set for the moment and the environment restored after."""
    names = ("REDIS_URL", "REDIS_KEY_PREFIX", "TELEGRAM_BOT_TOKEN")
    saved = {k: os.environ.get(k) for k in names}
    os.environ.update(REDIS_URL=redis_url, REDIS_KEY_PREFIX=prefix, TELEGRAM_BOT_TOKEN=token)
    try:
        return load_settings()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


async def drop_run_keys(redis: Redis, prefix: str) -> None:
    """Remove every key of the run (its prefix), then close the connection."""
    found = [k async for k in redis.scan_iter(match=f"*{prefix}*", count=1000)]
    for i in range(0, len(found), 500):
        await redis.unlink(*found[i : i + 500])
    await redis.aclose()


async def start_fleet(fleet: Fleet, workers: int, redis: Redis, keys: Keys) -> None:
    """Start ``workers`` workers and wait until each has registered."""
    for _ in range(workers):
        fleet.start()
    await _wait_for_workers(redis, keys, workers, fleet)


async def restore_and_drain(
    fleet: Fleet, workers: int, redis: Redis, keys: Keys, drain_deadline: float
) -> bool:
    """Bring the fleet back to ``workers`` after the faults, then poll until every lane is
    drained; ``False`` when ``drain_deadline`` seconds pass first."""
    while len(fleet.alive()) < workers:
        fleet.start()
    deadline = time.time() + drain_deadline
    while not await _drained(redis, keys):
        if time.time() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


async def run_chaos(cfg: ChaosConfig, redis_url: str, token: str) -> Report:
    rng = random.Random(cfg.seed)
    prefix = f"chaos{secrets.token_hex(4)}"
    env = fleet_env(prefix, redis_url, token, cfg.lease_ms, max_attempts=5)
    settings = run_settings(prefix, redis_url, token)
    keys = Keys(prefix, settings.telegram.bot_id)
    redis = create_redis(redis_url)
    logdir = Path(tempfile.mkdtemp(prefix="bgw-chaos-"))
    fleet = Fleet(env, logdir)
    sent: dict[int, float] = {}
    stats: dict[str, int] = defaultdict(int)
    try:
        await start_fleet(fleet, cfg.workers, redis, keys)
        p = Pipeline(redis, settings)
        stop = asyncio.Event()
        controller = asyncio.create_task(_controller(fleet, cfg, rng, stop))
        poison: set[int] = set()
        meta = await _load(p, cfg, rng, sent, stats, poison)
        stop.set()
        await controller
        if not await restore_and_drain(fleet, cfg.workers, redis, keys, cfg.drain_deadline):
            left = await _snapshot(redis, keys)
            return Report({"logdir": str(logdir), **left}, ["pipeline did not drain in time"])
        fleet.stop_all()
        fleet.collect_lease_losses()
        ledger = await _read_stream(redis, f"{prefix}:ledger")
        dlq = await _read_stream(redis, keys.dlq)
        report = check(ledger, dlq, meta, poison, sent, fleet.faults, stats)
        report.figures["logdir"] = str(logdir)
        return report
    finally:
        fleet.stop_all()
        await drop_run_keys(redis, prefix)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--long", action="store_true", help="keep load and faults going")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    cfg = ChaosConfig(workers=args.workers, seed=args.seed)
    if args.long:
        cfg.minutes = args.minutes
        cfg.drain_deadline = 300
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "123456789:" + "A" * 35)
    started = time.time()
    report = asyncio.run(run_chaos(cfg, url, token))
    report.figures["wall_seconds"] = round(time.time() - started, 1)
    print(json.dumps(report.figures, indent=2))
    for line in report.problems[:50]:
        print("PROBLEM:", line)
    return 0 if report.ok() else 1


if __name__ == "__main__":
    sys.exit(main())
