"""Zombie side effects, measured: callback answers sent twice by workers stopped past their lease.

``python -m tests.pipeline.zombie [--answers 5000]`` runs real ``bot-gateway worker`` processes
(``tests.pipeline.zombie_handler``: each update is a callback query, answered through the bot's
own Bot API session after some work) against a counting Bot API in this process, three times:
as shipped (the fence, ``PIPELINE_FENCE_SIDE_EFFECTS=true``, and callback answers claimed by one
run of their update), the fence alone, and neither (as before). Meanwhile one worker at a
time is SIGSTOPped beyond its lease (the reaper hands its chats to another worker, which answers
the same callbacks) and SIGCONTed. Printed per run: answers, callbacks answered more than once,
callbacks never answered, stops. Each worker calls the API under its own path, so duplicates are
split by who made the later call: the resumed zombie itself (what the fence drops), or the new
holder redoing an update whose answer had already gone out when its worker stopped (the ack had
not): at-least-once, which no check in the stopped worker can prevent.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from devkit.fakes.serve import free_port
from shared.connections import create_redis
from shared.pipeline import Keys, Pipeline
from shared.settings import load_settings
from tests.pipeline.chaos import Fleet, _drained, _wait_for_workers

HANDLER = "tests.pipeline.zombie_handler:factory"
# name -> (fence the calls, answer each callback from one run only); "product" is the default.
MODES = {"product": (True, True), "fence": (True, False), "none": (False, False)}


@dataclass
class ZombieConfig:
    answers: int = 5000
    workers: int = 3
    chats: int = 60
    rate: float = 100.0  # callbacks per second
    lease_ms: int = 2000
    work_ms: int = 50
    stop_every: tuple[float, float] = (3.0, 6.0)
    seed: int = 1


Answer = tuple[float, int]  # when, which worker (index)


class ZombieFleet(Fleet):
    """Each worker talks to the Bot API under ``/w<index>`` so its calls can be told apart."""

    def __init__(self, env: dict[str, str], logdir: Path, api_url: str) -> None:
        super().__init__(env, logdir, handler=HANDLER)
        self.api_url = api_url
        self.index: dict[int, int] = {}

    def start(self) -> int:
        n = len(self.index)
        self.env = {**self.env, "TELEGRAM_API_URL": f"{self.api_url}/w{n}"}
        pid = super().start()
        self.index[pid] = n
        return pid


@asynccontextmanager
async def counting_bot_api() -> AsyncIterator[tuple[str, dict[str, list[Answer]]]]:
    """A Bot API that answers every answerCallbackQuery and records when and from whom."""
    answered: dict[str, list[Answer]] = defaultdict(list)

    async def answer(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            params: dict[str, Any] = json.loads(body) if body else {}
        except ValueError:
            params = dict(await request.post())
        who = int(request.match_info["worker"])
        answered[str(params.get("callback_query_id"))].append((time.monotonic(), who))
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_post("/w{worker}/bot{token}/answerCallbackQuery", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", answered
    finally:
        await runner.cleanup()


def _callback(update_id: int, chat: int) -> bytes:
    user = {"id": chat, "is_bot": False, "first_name": "Z"}
    update = {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq{update_id}",
            "from": user,
            "chat_instance": str(chat),
            "data": "x",
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": chat, "type": "private"},
                "text": "menu",
            },
        },
    }
    return json.dumps(update, separators=(",", ":")).encode()


async def _stopper(
    fleet: ZombieFleet,
    cfg: ZombieConfig,
    rng: random.Random,
    done: asyncio.Event,
    stops_at: list[tuple[int, float, float]],
) -> int:
    """SIGSTOP one worker beyond lease + grace + a reaper pass, then SIGCONT; until ``done``."""
    stops = 0
    pause = cfg.lease_ms / 1000 + 0.5 + 1.0 + 1.0
    while not done.is_set():
        try:
            await asyncio.wait_for(done.wait(), rng.uniform(*cfg.stop_every))
            return stops
        except TimeoutError:
            pass
        alive = fleet.alive()
        if not alive:
            continue
        pid = rng.choice(alive)
        os.kill(pid, signal.SIGSTOP)
        stopped = time.monotonic()
        stops += 1
        await asyncio.sleep(pause)  # the fault itself: stopped for longer than the lease
        os.kill(pid, signal.SIGCONT)
        stops_at.append((fleet.index[pid], stopped, time.monotonic()))
    return stops


async def run(
    cfg: ZombieConfig, fence: bool, redis_url: str, token: str, answer_once: bool = True
) -> dict[str, Any]:
    rng = random.Random(cfg.seed)
    prefix = f"zombie{secrets.token_hex(4)}"
    async with counting_bot_api() as (api_url, answered):
        env = dict(os.environ)
        env.update(
            {
                "REDIS_URL": redis_url,
                "REDIS_KEY_PREFIX": prefix,
                "TELEGRAM_BOT_TOKEN": token,
                "TELEGRAM_API_URL": api_url,
                "ZOMBIE_WORK_MS": str(cfg.work_ms),
                "PIPELINE_FENCE_SIDE_EFFECTS": "true" if fence else "false",
                "ZOMBIE_ANSWER_ONCE": "true" if answer_once else "false",
                "PIPELINE_LEASE_MS": str(cfg.lease_ms),
                "PIPELINE_REAPER_INTERVAL": "1",
                "PIPELINE_REAPER_GRACE_MS": "500",
                "PIPELINE_HANDLER_TIMEOUT": "5",
                "WORKER_MAX_JOBS": "50",
                "WORKER_SHUTDOWN_WAIT": "3",
                "LOG_LEVEL": "WARNING",
                "LOG_FORMAT": "json",
            }
        )
        os.environ.update(REDIS_URL=redis_url, REDIS_KEY_PREFIX=prefix, TELEGRAM_BOT_TOKEN=token)
        settings = load_settings()
        keys = Keys(prefix, settings.telegram.bot_id)
        redis = create_redis(redis_url)
        fleet = ZombieFleet(env, Path(tempfile.mkdtemp(prefix="bgw-zombie-")), api_url)
        try:
            for _ in range(cfg.workers):
                fleet.start()
            await _wait_for_workers(redis, keys, cfg.workers, fleet)
            pipeline = Pipeline(redis, settings)
            done = asyncio.Event()
            stops_at: list[tuple[int, float, float]] = []
            stopper = asyncio.create_task(_stopper(fleet, cfg, rng, done, stops_at))
            started = time.monotonic()
            for i in range(1, cfg.answers + 1):
                await pipeline.enqueue(_callback(i, 10_000 + i % cfg.chats))
                delay = started + i / cfg.rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            done.set()
            stops = await stopper
            deadline = time.monotonic() + 120
            while not await _drained(redis, keys) and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.2)
            await asyncio.sleep(cfg.lease_ms / 1000)  # let the last zombies wake and act
        finally:
            fleet.stop_all()
            found = [k async for k in redis.scan_iter(match=f"*{prefix}*", count=1000)]
            for i in range(0, len(found), 500):
                await redis.unlink(*found[i : i + 500])
            await redis.aclose()
    ids = [f"cq{i}" for i in range(1, cfg.answers + 1)]
    twice = [i for i in ids if len(answered[i]) > 1]

    def zombie_call(first: Answer, later: Answer) -> bool:
        # The later call came from a worker that was stopped and resumed after the first call.
        return any(w == later[1] and first[0] < cont <= later[0] for w, _, cont in stops_at)

    def by_zombie(calls: list[Answer]) -> bool:
        calls = sorted(calls)
        return any(zombie_call(calls[0], later) for later in calls[1:])

    zombie = sum(1 for i in twice if by_zombie(answered[i]))
    return {
        "fence": fence,
        "answer_once": answer_once,
        "callbacks": cfg.answers,
        "answers_sent": sum(len(answered[i]) for i in ids),
        "answered_more_than_once": len(twice),
        "duplicate_rate_pct": round(100 * len(twice) / cfg.answers, 3),
        "zombie_calls_after_resume": zombie,
        "zombie_rate_pct": round(100 * zombie / cfg.answers, 3),
        "redone_after_answer_sent": len(twice) - zombie,
        "never_answered": sum(1 for i in ids if not answered[i]),
        "stops": stops,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--answers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", choices=tuple(MODES), default=None)
    args = parser.parse_args(argv)
    cfg = ZombieConfig(answers=args.answers, seed=args.seed)
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "123456789:" + "A" * 35)
    for name in [args.only] if args.only else list(MODES):
        fence, once = MODES[name]
        print(json.dumps(asyncio.run(run(cfg, fence, url, token, once))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
