"""The bench itself (see the package docstring)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.broadcast.stack import BroadcastStack, Worker, broadcast_stack
from shared.db.models import RECIPIENT_STATES

_BASE_ENV = {
    "TELEGRAM_PACE_GLOBAL": "1000 per second",
    "RATE_LIMIT_MESSAGES_PER_MINUTE": "100000",
    "RATE_LIMIT_MESSAGES_PER_HOUR": "100000",
    "RATE_LIMIT_COMMANDS_PER_MINUTE": "100000",
}
# The pace lifted; more sends in flight per sender, since each waits on a claim, the Bot API
# call and the mark.
_LIFTED = {"BROADCAST_RATE": "10000", "BROADCAST_CONCURRENCY": "16"}
INTERACTIVE_BASE = 900_000
BROADCAST_BASE = 1_000_000


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(samples: list[float], q: int) -> float:
    if len(samples) < 2:
        return samples[0] if samples else 0.0
    return statistics.quantiles(sorted(samples), n=100, method="inclusive")[q - 1]


async def restart_workers(stack: BroadcastStack, count: int, env: dict[str, str]) -> None:
    await stack.stop_workers()
    for _ in range(count):
        await stack.start_worker(env)


def _cpu(workers: list[Worker]) -> float:
    total = 0.0
    for w in workers:
        if w.proc.returncode is None:
            total += cpu_seconds(w.proc.pid)
    return total


async def throughput(stack: BroadcastStack, recipients: int) -> dict[str, Any]:
    body = "Уважаемые жители! Плановое отключение электричества в пятницу с 10:00 до 14:00."
    ids = [BROADCAST_BASE + i for i in range(recipients)]
    workers = stack.alive()
    cpu0 = _cpu(workers)
    own0 = time.process_time()
    started = time.monotonic()
    number = await stack.create(ids, body)
    row = await stack.finished(number, timeout=900)
    elapsed = time.monotonic() - started
    cpu = _cpu(workers) - cpu0
    own = time.process_time() - own0
    times = stack.send_times(body)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    copies = stack.copies(body)
    return {
        "recipients": recipients,
        "status": row.status,
        "sent": len(times),
        "duplicates": sum(1 for n in copies.values() if n > 1),
        "msg_per_s": round(len(times) / span, 1) if span else None,
        "create_to_done_s": round(elapsed, 2),
        "worker_cpu_ms_per_msg": round(cpu * 1000 / max(len(times), 1), 3),
        "fake_bot_api_process_cpu_ms_per_msg": round(own * 1000 / max(len(times), 1), 3),
    }


async def crash_safety(stack: BroadcastStack, recipients: int, kills: int) -> dict[str, Any]:
    body = "Собрание собственников состоится в воскресенье в 11:00 во дворе."
    ids = [BROADCAST_BASE + i for i in range(recipients)]
    # Deadlines grow with the broadcast: on a loaded 2-core host 10,000 recipients take many
    # minutes (a few messages per second at worst); they only stop a run that is stuck.
    patience = max(600.0, recipients * 0.5)
    started = time.monotonic()
    number = await stack.create(ids, body)
    for k in range(kills):
        await stack.wait_sent(body, (k + 1) * recipients // (kills + 2), timeout=patience)
        victim = stack.alive()[k % len(stack.alive())]
        await stack.kill(victim)
        await stack.start_worker(_LIFTED)
    row = await stack.finished(number, timeout=patience)
    seconds = time.monotonic() - started
    copies = stack.copies(body)
    states = await _states(stack, number)
    unconfirmed = states.get("unconfirmed", 0)
    never = [r for r in ids if r not in copies]
    return {
        "recipients": recipients,
        "kills": kills,
        "status": row.status,
        "duplicates": sum(1 for n in copies.values() if n > 1),
        "delivered": len(copies),
        "never_sent_to": len(never),
        "unconfirmed_claims": unconfirmed,
        "unconfirmed_but_delivered": unconfirmed - len(never),
        "lost_outside_window": len(never) - min(len(never), unconfirmed),
        "states": states,
        "seconds": round(seconds, 1),
        "msg_per_s": round(len(copies) / max(seconds, 1e-9), 1),
    }


async def _states(stack: BroadcastStack, number: int) -> dict[str, int]:
    from sqlalchemy import text

    names = {v: k for k, v in RECIPIENT_STATES.items()}
    async with stack.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT state, count(*) FROM broadcast_recipients WHERE broadcast_id = :id"
                " GROUP BY state"
            ),
            {"id": number},
        )
        return {names[int(s)]: int(n) for s, n in rows}


def _help(update_id: int, chat: int) -> bytes:
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private", "first_name": "U"},
                "from": {"id": chat, "is_bot": False, "first_name": "U", "language_code": "ru"},
                "text": "/help",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
    ).encode()


class Interactive:
    def __init__(self, stack: BroadcastStack, chats: int) -> None:
        self.stack = stack
        self.chats = chats
        self.next_id = 1
        self.sent: list[tuple[int, float]] = []  # chat, enqueue time

    async def run(self, rate: float, seconds: float) -> list[tuple[int, float]]:
        pipeline = self.stack.pipeline
        batch: list[tuple[int, float]] = []
        start = time.monotonic()
        n = int(rate * seconds)
        for i in range(n):
            due = start + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            chat = INTERACTIVE_BASE + (self.next_id % self.chats)
            uid = self.next_id
            self.next_id += 1
            at = time.time()
            await pipeline.enqueue(_help(uid, chat))
            batch.append((chat, at))
        return batch

    def latencies(self, batch: list[tuple[int, float]], timeout: float = 30) -> list[float]:
        replies: dict[int, list[float]] = {}
        for c in self.stack.fakes.telegram.calls:
            if c.ok and c.method == "sendMessage":
                chat = int(c.params.get("chat_id") or 0)
                if INTERACTIVE_BASE <= chat < INTERACTIVE_BASE + self.chats:
                    replies.setdefault(chat, []).append(c.time)
        out: list[float] = []
        for chat, at in batch:
            later = [t for t in replies.get(chat, []) if t >= at]
            if later:
                out.append(min(later) - at)
        return out


def register_interactive(stack: BroadcastStack, chats: int) -> None:
    """Approved residents for the interactive chats: their profiles are cached after the first
    update, as for real users, so the load measures the bot, not the fake user service."""
    from devkit.fakes.entities import UserRec

    world = stack.fakes.world
    assert world is not None
    now = world.now()
    for n in range(chats):
        user_id = 60_000 + n
        world.users[user_id] = UserRec(
            id=user_id,
            telegram_id=INTERACTIVE_BASE + n,
            created_at=now,
            updated_at=now,
            status="approved",
        )


async def settle(load: Interactive, batch: list[tuple[int, float]]) -> None:
    """Wait until every update of ``batch`` has its reply (the next window starts drained)."""
    deadline = time.monotonic() + 60
    while True:
        if len(load.latencies(batch)) >= len(batch) or time.monotonic() > deadline:
            return
        await asyncio.sleep(0.2)


async def conversations(
    stack: BroadcastStack, recipients: int, rate: float, window: float, rounds: int
) -> dict[str, Any]:
    chats = 400
    register_interactive(stack, chats)
    load = Interactive(stack, chats=chats)
    await settle(load, await load.run(rate, 3.0))  # warm-up: profiles cached, connections open
    alone: list[tuple[int, float]] = []
    during: list[tuple[int, float]] = []
    body = "Напоминаем: оплатите коммунальные услуги до 10 числа."
    ids = [BROADCAST_BASE + 500_000 + i for i in range(recipients)]
    sent_during = 0
    for _ in range(rounds):
        batch = await load.run(rate, window)
        await settle(load, batch)
        alone += batch
        number = await stack.create(ids, body)
        before = stack.sent_count(body)
        await stack.wait_sent(body, before + 5, timeout=30)
        started = stack.sent_count(body)
        batch = await load.run(rate, window)
        sent_during += stack.sent_count(body) - started
        await stack.store.cancel(number)
        await settle(load, batch)
        during += batch
        await stack.finished(number, timeout=60)
        ids = [i + recipients for i in ids]
    a, d = load.latencies(alone), load.latencies(during)
    res: dict[str, Any] = {
        "interactive_rate": rate,
        "window_s": window,
        "rounds": rounds,
        "replies_alone": f"{len(a)}/{len(alone)}",
        "replies_during": f"{len(d)}/{len(during)}",
        "alone_p50_ms": round(pct(a, 50) * 1000, 2),
        "alone_p99_ms": round(pct(a, 99) * 1000, 2),
        "during_p50_ms": round(pct(d, 50) * 1000, 2),
        "during_p99_ms": round(pct(d, 99) * 1000, 2),
        "broadcast_msgs_during": sent_during,
        "broadcast_rate_during": round(sent_during / (window * rounds), 1),
    }
    alone_p99 = float(res["alone_p99_ms"])
    res["p99_ratio"] = round(float(res["during_p99_ms"]) / max(alone_p99, 1e-9), 2)
    return res


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    logs = Path(args.logs or tempfile.mkdtemp(prefix="bench-broadcast-"))
    out: dict[str, Any] = {"logs": str(logs), "loadavg_start": os.getloadavg()}
    own0 = time.process_time()
    async with broadcast_stack(logs, _BASE_ENV) as stack:
        if "throughput" in args.parts or "crash" in args.parts:
            await restart_workers(stack, args.workers, _LIFTED)
        if "throughput" in args.parts:
            out["throughput"] = await throughput(stack, args.recipients)
            print(json.dumps({"throughput": out["throughput"]}), flush=True)
        if "crash" in args.parts:
            out["crash"] = await crash_safety(stack, args.recipients, args.kills)
            print(json.dumps({"crash": out["crash"]}), flush=True)
        if "latency" in args.parts:
            await restart_workers(stack, args.workers, {})
            out["latency"] = await conversations(
                stack, args.recipients, args.interactive_rate, args.window, args.rounds
            )
            print(json.dumps({"latency": out["latency"]}), flush=True)
    out["loadavg_end"] = os.getloadavg()
    # The fakes (Bot API, services) and the load run in this process.
    out["measuring_process_cpu_s"] = round(time.process_time() - own0, 1)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.broadcast")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kills", type=int, default=2)
    parser.add_argument("--interactive-rate", type=float, default=50.0)
    parser.add_argument("--window", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--parts", default="throughput,crash,latency")
    parser.add_argument("--logs", default=None)
    args = parser.parse_args(argv)
    result = asyncio.run(main_async(args))
    print(json.dumps(result, indent=2))
