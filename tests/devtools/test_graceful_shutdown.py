"""SIGTERM to a real ``bot-gateway worker`` process in the middle of a chat's batch.

The worker must finish the update in hand, give the chat's lease back at once and exit; another
worker continues the chat immediately — nobody waits for the lease to expire — and every update is
handled exactly once, in order. (The same hand-back is checked in-process, with the signal
handler called directly, by tests/pipeline/test_worker.py::
test_graceful_stop_ends_the_batch_and_frees_the_lease_at_once; this test adds the real process
and signal path the deployment uses.)
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time

import pytest
from redis.asyncio import Redis

from devkit.tools.overrides import load_settings_with
from shared.pipeline import Keys, Pipeline
from tests.devtools.slow_handler import handled_key
from tests.devtools.support import ROOT, cli_argv
from tests.pipeline.conftest import delete_prefix

CHAT = 7_300_001
COUNT = 30
LEASE_S = 20  # far longer than the test may wait: an expiry would show


@pytest.fixture
async def prefix(key_prefix: str, redis: Redis):
    value = key_prefix.replace(":", ".")
    yield value
    await delete_prefix(redis, value)


def _update(uid: int) -> bytes:
    person = {"id": CHAT, "is_bot": False, "first_name": "Test"}
    body = {
        "message_id": uid,
        "date": 1700000000,
        "from": person,
        "chat": {"id": CHAT, "type": "private"},
        "text": f"m{uid}",
    }
    return json.dumps({"update_id": uid, "message": body}).encode()


async def _handled(redis: Redis, prefix: str) -> list[tuple[int, int, float]]:
    rows = await redis.lrange(handled_key(prefix), 0, -1)  # type: ignore[misc]
    out = []
    for row in rows:
        uid, pid, at = row.decode().split(":")
        out.append((int(uid), int(pid), float(at)))
    return out


async def _until(predicate, timeout: float) -> None:  # noqa: ASYNC109 — a deadline
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "condition not reached before the deadline"
        await asyncio.sleep(0.02)


async def _worker(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *cli_argv("worker", "--handler", "tests.devtools.slow_handler:factory"),
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_sigterm_mid_batch_hands_the_chat_back_at_once(redis: Redis, prefix: str) -> None:
    env = {
        "REDIS_KEY_PREFIX": prefix,
        "PIPELINE_LEASE_MS": str(LEASE_S * 1000),
        "PIPELINE_BATCH_SIZE": "100",
        "PIPELINE_BATCH_SECONDS": "60",
        "WORKER_SHUTDOWN_WAIT": "20",
        "WORKER_METRICS_PORT": "0",
    }
    settings = load_settings_with(env)
    keys = Keys(prefix, settings.telegram.bot_id)
    await Pipeline(redis, settings).enqueue_many([_update(uid) for uid in range(1, COUNT + 1)])

    first = await _worker(env)
    try:
        await _until(lambda: _count(redis, prefix, 3), 60)
        stopped_at = time.monotonic()
        first.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(first.communicate(), 15)
    finally:
        if first.returncode is None:
            first.kill()
            await first.wait()
    took = time.monotonic() - stopped_at
    assert first.returncode == 0, err.decode()[-2000:]
    assert took < 5  # the update in hand (0.25 s) and the hand-back, not the batch or a lease
    state = await redis.hgetall(keys.state(f"c{CHAT}"))  # type: ignore[misc]
    assert b"owner" not in state  # the lease was given back, not left to expire
    done_by_first = len(await _handled(redis, prefix))
    assert done_by_first < COUNT

    second = await _worker(env)
    started = time.monotonic()
    try:
        await _until(lambda: _count(redis, prefix, done_by_first + 1), 60)
        first_pickup = time.monotonic() - started
        await _until(lambda: _count(redis, prefix, COUNT), 60)
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.communicate(), 30)
    handled = await _handled(redis, prefix)
    assert [uid for uid, _, _ in handled] == list(range(1, COUNT + 1))  # once each, in order
    assert len({pid for _, pid, _ in handled}) == 2
    # The second worker went on as soon as it was up (start-up included), long before a lease
    # of LEASE_S seconds could have run out.
    assert first_pickup < LEASE_S / 2


async def _count(redis: Redis, prefix: str, at_least: int) -> bool:
    return int(await redis.llen(handled_key(prefix))) >= at_least  # type: ignore[misc]
