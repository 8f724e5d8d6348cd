"""The measuring process (CPU 1): runs each target, feeds the worker, collects the replies."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.worker.environment import bench_env, child, cpu_seconds, fakes
from bench.worker.target import make_batch


@dataclass
class Latency:
    count: int
    p50_ms: float
    p99_ms: float


def percentiles(samples: list[float]) -> Latency:
    ordered = sorted(samples)
    if not ordered:
        return Latency(0, 0.0, 0.0)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return Latency(len(ordered), cuts[49] * 1000, cuts[98] * 1000)


class Replies:
    """sendMessage arrival times at the fake, by the message id the handler echoes."""

    def __init__(self, state: Any) -> None:
        self.state = state
        self._seen = 0
        self.at: dict[int, float] = {}

    def collect(self) -> int:
        calls = self.state.calls
        for call in calls[self._seen :]:
            if call.method == "sendMessage" and call.ok:
                self.at[int(str(call.params["text"]).split()[0])] = call.time
        self._seen = len(calls)
        return len(self.at)

    async def wait_for(self, ids: range, timeout: float) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while True:
            self.collect()
            if all(i in self.at for i in (ids.start, ids.stop - 1)) and all(
                i in self.at for i in ids
            ):
                return
            if time.monotonic() > deadline:
                missing = sum(1 for i in ids if i not in self.at)
                raise TimeoutError(f"{missing} replies missing")
            await asyncio.sleep(0.02)


async def measure_in_process(
    args: argparse.Namespace, mode: str, api_url: str, env: dict[str, str], log: Path
) -> dict[str, Any]:
    cmd = ["taskset", "-c", str(args.server_cpu), sys.executable, "-m", "bench.worker"]
    cmd += ["baseline", api_url, "--redis-url", args.redis_url, "--prefix", args.prefix + mode]
    cmd += ["--updates", str(args.updates), "--chats", str(args.chats), "--warmup", "400"]
    cmd += ["--concurrency", str(args.concurrency), "--loop", args.loop, "--mode", mode]
    out = log.with_suffix(f".{mode}.json")
    proc = await child([*cmd, "--out", str(out)], env, log)
    if await proc.wait() != 0:
        raise RuntimeError(f"baseline failed, see {log}")
    result: dict[str, Any] = json.loads(out.read_text())
    return result


async def enqueue(pipeline: Any, raws: list[bytes], sent: dict[int, float]) -> None:
    for i in range(0, len(raws), 200):
        chunk = raws[i : i + 200]
        now = time.time()
        for raw in chunk:
            sent[json.loads(raw)["update_id"]] = now
        results = await pipeline.enqueue_many(chunk)
        assert all(r.accepted for r in results)
        await asyncio.sleep(0)  # let the fake Bot API answer while the burst is enqueued


async def measure_worker(
    args: argparse.Namespace, state: Any, env: dict[str, str], log: Path
) -> dict[str, Any]:
    from shared.connections import create_redis
    from shared.pipeline import Pipeline
    from shared.settings import load_settings

    os.environ.update(env)
    settings = load_settings()
    cmd = ["taskset", "-c", str(args.server_cpu), sys.executable, "-m", "bench.worker"]
    proc = await child([*cmd, "serve-worker", "--loop", args.loop], env, log)
    redis = create_redis(settings.redis.url)
    replies = Replies(state)
    sent: dict[int, float] = {}
    try:
        pipeline = Pipeline(redis, settings)
        seq = 10_000_000
        await enqueue(pipeline, make_batch(seq, 400, 5_000_000, 400), sent)  # warm-up
        await replies.wait_for(range(seq, seq + 400), timeout=120)
        seq += 1000
        burst = make_batch(seq, args.updates, 6_000_000, args.chats)
        cpu = cpu_seconds(proc.pid)
        started = time.time()
        await enqueue(pipeline, burst, sent)
        ids = range(seq, seq + args.updates)
        await replies.wait_for(ids, timeout=600)
        seconds = max(replies.at[i] for i in ids) - started
        cpu = cpu_seconds(proc.pid) - cpu
        burst_latency = percentiles([replies.at[i] - sent[i] for i in ids])
        rate = args.rate or max(10.0, 0.4 * args.updates / seconds)
        seq += args.updates + 1000
        steady = await open_loop(pipeline, replies, sent, seq, rate, args)
    finally:
        proc.send_signal(signal.SIGTERM)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), 40)
        if proc.returncode is None:
            proc.kill()
        await redis.aclose()
    return {
        "updates": args.updates,
        "seconds": seconds,
        "cpu": cpu,
        "burst_latency": burst_latency.__dict__,
        "steady_rate": rate,
        "steady_latency": steady.__dict__,
    }


async def open_loop(
    pipeline: Any,
    replies: Replies,
    sent: dict[int, float],
    seq: int,
    rate: float,
    args: argparse.Namespace,
) -> Latency:
    """One update every 1/rate seconds (not waiting for replies), over ``--chats`` chats."""
    count = int(rate * args.steady_seconds)
    # The burst's users again: people in a conversation, their sessions and profiles warm.
    raws = make_batch(seq, count, 6_000_000, args.chats)
    start = time.monotonic()
    for i, raw in enumerate(raws):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sent[seq + i] = time.time()
        await pipeline.enqueue(raw)
    ids = range(seq, seq + count)
    await replies.wait_for(ids, timeout=120)
    return percentiles([replies.at[i] - sent[i] for i in ids])


async def run_parent(args: argparse.Namespace, database_url: str) -> dict[str, Any]:
    log = Path(tempfile.mkdtemp(prefix="bgw-bench-")) / "bench.log"
    results: dict[str, Any] = {"log": str(log), "machine_before": machine()}
    # This process is the load, the fakes and the clock: a collector pause here (its heap holds
    # every call the fake Bot API saw) would stall the fakes and show up as the worker's latency.
    gc.disable()
    try:
        return await _run_targets(args, database_url, log, results)
    finally:
        gc.enable()


async def _run_targets(
    args: argparse.Namespace, database_url: str, log: Path, results: dict[str, Any]
) -> dict[str, Any]:
    async with fakes() as (state, api_url, auth_url, user_url):
        env = {
            **os.environ,
            **bench_env(api_url, auth_url, user_url, args.redis_url, database_url, args.log_level),
        }
        # Alternating rounds: the machine's speed drifts (shared cores), so each ratio compares
        # runs made a minute apart and the report takes the median of the rounds.
        for round_no in range(args.rounds):
            for mode in ("aiogram", "runtime", "worker"):
                if mode not in args.targets or (mode == "runtime" and round_no):
                    continue
                run_env = {**env, "REDIS_KEY_PREFIX": f"{args.prefix}{mode}{round_no}"}
                if mode == "worker":
                    result = await measure_worker(args, state, run_env, log)
                else:
                    result = await measure_in_process(args, mode, api_url, run_env, log)
                results.setdefault(mode, []).append(result)
                await state.reset()
    return results


def machine() -> str:
    """The CPU model, core count and load: a ratio means little without the machine it ran on."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{model}, {os.cpu_count()} cores; load average {load}"


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    print(f"machine: {results.get('machine_before', machine())}")
    print(f"  after: {machine()}")
    rates: dict[str, list[float]] = {}
    for name in ("aiogram", "runtime", "worker"):
        for i, r in enumerate(results.get(name, [])):
            rate = r["updates"] / r["seconds"]
            rates.setdefault(name, []).append(rate)
            cpu_ms = 1000 * r["cpu"] / r["updates"]
            print(f"{name:8s} #{i + 1} {rate:9.1f} updates/s   {cpu_ms:5.2f} ms CPU per update")
    if "aiogram" in rates and "worker" in rates:
        ratios = [w / a for a, w in zip(rates["aiogram"], rates["worker"], strict=False)]
        each = ", ".join(f"{r:.2f}x" for r in ratios)
        print(
            f"worker / in-process aiogram: {statistics.median(ratios):.2f}x median of "
            f"{len(ratios)} rounds ({each}) (target >= 1.2x) on {machine().split(';')[0]}"
        )
    for w in results.get("worker", [])[-1:]:
        b, s = w["burst_latency"], w["steady_latency"]
        print(
            f"worker e2e latency (enqueue -> sendMessage at the fake), burst of {w['updates']}: "
            f"p50 {b['p50_ms']:.1f} ms, p99 {b['p99_ms']:.1f} ms"
        )
        print(
            f"worker e2e latency at {w['steady_rate']:.0f} updates/s open loop "
            f"({s['count']} updates): p50 {s['p50_ms']:.1f} ms, p99 {s['p99_ms']:.1f} ms"
        )
    print(f"logs: {results['log']}")
