"""An update that blocks the event loop, among normal traffic on three worker processes.

Without the loop watchdog such an update stalls its worker past the lease, the reaper hands the
chat to the next worker, which stalls too, and every chat those workers hold waits. With it
(``WORKER_BLOCK_LIMIT``), the blocked worker's chats move to the others within the bound and the
blocking update is dead-lettered instead of run again: the other chats' latency stays low.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import statistics
import tempfile
import time
from pathlib import Path

import pytest

from shared.connections import create_redis
from shared.pipeline import Keys, Pipeline
from shared.settings import load_settings
from tests.pipeline.chaos import Fleet, _drained, _read_stream, _wait_for_workers
from tests.pipeline.ledger import LEDGER_ENV, make_update

WORKERS = 3
CHATS = 30
PER_CHAT = 20
BLOCK_MS = 8_000  # longer than the lease: without the watchdog it would hop from worker to worker


@pytest.mark.slow
@pytest.mark.timeout(360)
async def test_a_loop_blocking_update_is_dead_lettered_and_other_chats_flow(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"block{secrets.token_hex(4)}"
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix,
        LEDGER_ENV: f"{prefix}:ledger",
        "PIPELINE_LEASE_MS": "3000",
        "PIPELINE_REAPER_INTERVAL": "1",
        "PIPELINE_REAPER_GRACE_MS": "200",
        "PIPELINE_RETRY_BACKOFF": "[0.1]",
        "PIPELINE_HANDLER_TIMEOUT": "20",
        "WORKER_MAX_JOBS": "20",
        "WORKER_SHUTDOWN_WAIT": "3",
        "WORKER_METRICS_PORT": "0",
        "WORKER_BLOCK_LIMIT": "0.5",
        "WORKER_BLOCK_EXIT": "0",
        "LOG_LEVEL": "WARNING",
        "LOG_FORMAT": "json",
    }
    for name in ("REDIS_URL", "REDIS_KEY_PREFIX"):
        monkeypatch.setenv(name, env[name])
    settings = load_settings()
    keys = Keys(prefix, settings.telegram.bot_id)
    redis = create_redis(redis_url)
    fleet = Fleet(env, Path(tempfile.mkdtemp(prefix="bgw-block-")))
    sent: dict[int, float] = {}
    chat_of: dict[int, int] = {}
    try:
        for _ in range(WORKERS):
            fleet.start()
        await _wait_for_workers(redis, keys, WORKERS, fleet)
        pipeline = Pipeline(redis, settings)
        # Warm up: every worker has started taking jobs before the measured traffic begins.
        for n in range(CHATS):
            assert (await pipeline.enqueue(make_update(40_000 + n, 9_000 + n, 1))).accepted
        deadline = time.time() + 150
        while len(await _read_stream(redis, f"{prefix}:ledger")) < 2 * CHATS:
            assert time.time() < deadline, "the workers did not start taking work"
            await asyncio.sleep(0.2)
        await redis.delete(f"{prefix}:ledger")
        uid = 50_000
        blocking_uid = 0
        total = CHATS * PER_CHAT
        for n in range(total):
            chat, seq = 2_000 + n % CHATS, n // CHATS + 1
            uid += 1
            block = n == total // 4
            raw = make_update(uid, chat, seq, BLOCK_MS if block else 5, "block" if block else "ok")
            if block:
                blocking_uid = uid
            sent[uid], chat_of[uid] = time.time(), chat
            assert (await pipeline.enqueue(raw)).accepted
            await asyncio.sleep(0.02)  # ~50 updates/s over ~12 s
        deadline = time.time() + 60
        while not await _drained(redis, keys):
            assert time.time() < deadline, "the pipeline did not drain"
            await asyncio.sleep(0.2)
        alive = fleet.alive()
        ledger = await _read_stream(redis, f"{prefix}:ledger")
        dlq = await _read_stream(redis, keys.dlq)
    finally:
        fleet.stop_all()
        found = [k async for k in redis.scan_iter(match=f"*{prefix}*", count=1000)]
        if found:
            await redis.unlink(*found)
        await redis.aclose()

    assert len(alive) == WORKERS, "a worker died"
    assert [int(e["update_id"]) for e in dlq] == [blocking_uid]
    assert "blocked the event loop" in dlq[0]["error"]
    done: dict[int, float] = {}
    for event in ledger:
        if event["ev"] == "end":
            done.setdefault(int(event["uid"]), float(event["t"]))
    blocked_chat = chat_of[blocking_uid]
    others = [done[u] - sent[u] for u in sent if chat_of[u] != blocked_chat]
    assert len(others) == total - PER_CHAT, "an update of another chat was not handled"
    p99 = statistics.quantiles(others, n=100, method="inclusive")[98]
    print(json.dumps({"other_chats_p99_s": round(p99, 3), "max_s": round(max(others), 3)}))
    assert p99 <= 2.0
    # The blocking update ran once: no second worker was taken by it.
    starts = [e for e in ledger if e["ev"] == "start" and int(e["uid"]) == blocking_uid]
    assert len(starts) == 1
