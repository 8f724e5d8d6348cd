"""``make compose-smoke``: the image and compose.yaml, built and run for real.

Builds the images, brings the stack up with the ``fakes`` profile, and checks what an operator
relies on: webhook updates answered at the fake Bot API, ``--scale worker=3`` sharing the work, a
rolling restart and a ``docker kill`` of a worker during traffic with nothing lost or reordered,
``docker stop`` of a busy worker being graceful, a Redis stop answered 503 and recovered, and with
the ``ha`` profile a failover of the Redis primary (acknowledged updates lost and seconds of 503,
with and without ``INGEST_REPLICA_ACK=1``). Each step prints what it checked; any miss exits 1.

The ledger of what the workers did is their own log: one JSON ``update`` line per handled update
(update id, chat id, outcome, timestamp), read with ``docker logs``.

On a fresh machine ``apt-get install docker.io docker-compose`` is all it needs: a Docker daemon
that is not running is started (as root, ``nice``d, logging to ``SMOKE_DOCKERD_LOG``) and left
running, and stand-in base images that are missing are built (deploy/build-standins.sh, which
installs ``debootstrap`` if it has to); each of these says what it does.

Environment: ``SMOKE_PUBLIC_IMAGES=1`` uses the public base images (a registry is reachable);
otherwise the stand-ins of deploy/build-standins.sh are built and used. ``SMOKE_KEEP=1`` leaves
the stack up at the end. ``SMOKE_SKIP=ha,...`` skips steps by name.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
PROJECT = os.environ.get("SMOKE_PROJECT", "bgwsmoke")
TOKEN = "123456789:" + "S" * 35
SECRET = "smoke-webhook-secret-0123456789abcdef"
STANDIN = "bot-gateway-standin"
IMAGE = os.environ.get("GATEWAY_IMAGE", "bot-gateway:smoke")
FAKES_IMAGE = os.environ.get("GATEWAY_FAKES_IMAGE", "bot-gateway-fakes:smoke")
SKIP = set(filter(None, os.environ.get("SMOKE_SKIP", "").split(",")))
DOCKER = os.environ.get("DOCKER", "docker")
COMPOSE = os.environ.get("COMPOSE", "docker-compose").split()

failures: list[str] = []
measured: dict[str, Any] = {}


def say(text: str) -> None:
    print(text, flush=True)


def check(ok: bool, what: str) -> bool:
    say(f"  {'ok  ' if ok else 'MISS'} {what}")
    if not ok:
        failures.append(what)
    return ok


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


INGEST_PORT = free_port()
FAKES_PORT = free_port()
INGEST = f"http://127.0.0.1:{INGEST_PORT}"
FAKE_API = f"http://127.0.0.1:{FAKES_PORT}"


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    if os.environ.get("SMOKE_PUBLIC_IMAGES") != "1":
        env.setdefault("PYTHON_IMAGE", f"{STANDIN}/python:3.11-slim")
        env.setdefault("REDIS_IMAGE", f"{STANDIN}/redis:7-alpine")
        env.setdefault("POSTGRES_IMAGE", f"{STANDIN}/postgres:15-alpine")
    env.update(
        {
            "COMPOSE_PROJECT_NAME": PROJECT,
            "GATEWAY_IMAGE": IMAGE,
            "GATEWAY_FAKES_IMAGE": FAKES_IMAGE,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "TELEGRAM_API_URL": "http://fakes:8081",
            "ENVIRONMENT": "production",
            # Production refuses the development key; the fakes accept whatever key is set.
            "SERVICE_API_KEY": "smoke-service-key-0123456789",
            "INGEST_PUBLISH": f"127.0.0.1:{INGEST_PORT}",
            "FAKES_PUBLISH": f"127.0.0.1:{FAKES_PORT}",
            # The smoke sends many updates per chat quickly: no pacing, no per-user limits.
            "TELEGRAM_PACE_PRIVATE": "off",
            "TELEGRAM_PACE_GLOBAL": "off",
            "RATE_LIMIT_MESSAGES_PER_MINUTE": "100000",
            "RATE_LIMIT_MESSAGES_PER_HOUR": "100000",
            "RATE_LIMIT_COMMANDS_PER_MINUTE": "100000",
        }
    )
    return env


ENV = base_env()


def run(*args: str, env: dict[str, str] | None = None, check_rc: bool = True) -> str:
    done = subprocess.run(
        args, cwd=ROOT, env=env or ENV, capture_output=True, text=True, timeout=900
    )
    if check_rc and done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def stream(*args: str) -> None:
    """Run a long step with its output shown as it comes (the stand-ins, the wheelhouse)."""
    done = subprocess.run(args, cwd=ROOT, env=ENV, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode})")


def compose(*args: str, env: dict[str, str] | None = None, check_rc: bool = True) -> str:
    return run(*COMPOSE, "--profile", "fakes", *args, env=env, check_rc=check_rc)


def containers(service: str) -> list[str]:
    out = run(
        DOCKER, "ps", "-a", "-q",
        "--filter", f"label=com.docker.compose.project={PROJECT}",
        "--filter", f"label=com.docker.compose.service={service}",
    )  # fmt: skip
    return sorted(out.split())


def inspect(cid: str) -> dict[str, Any]:
    data: list[dict[str, Any]] = json.loads(run(DOCKER, "inspect", cid))
    return data[0]


def name_of(cid: str) -> str:
    return str(inspect(cid)["Name"]).lstrip("/")


async def eventually(probe: Callable[[], Awaitable[Any]], within: float, every: float = 0.5) -> Any:
    deadline = time.monotonic() + within
    while True:
        try:
            value = await probe()
        except (httpx.HTTPError, RuntimeError, OSError):
            value = None
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(every)


async def all_healthy(services: list[str], within: float = 180) -> bool:
    async def probe() -> bool:
        states = []
        for service in services:
            for cid in containers(service):
                state = inspect(cid)["State"]
                if not state["Running"]:
                    return False
                states.append(state.get("Health", {}).get("Status", "none"))
        return bool(states) and all(s == "healthy" for s in states)

    return bool(await eventually(lambda: asyncio.to_thread(_sync, probe), within, 1.0))


def _sync(probe: Callable[[], Coroutine[Any, Any, bool]]) -> bool:
    return asyncio.run(probe())


# -- updates and the ledger ---------------------------------------------------------------------

_ids = itertools.count(int(time.time()) % 1_000_000 * 1000)


def update(chat_id: int, uid: int, text: str) -> bytes:
    user = {"id": chat_id, "is_bot": False, "first_name": f"Smoke {chat_id}", "language_code": "ru"}
    body = {
        "update_id": uid,
        "message": {
            "message_id": uid % 1_000_000_000,
            "from": user,
            "chat": {"id": chat_id, "first_name": user["first_name"], "type": "private"},
            "date": int(time.time()),
            "text": text,
        },
    }
    return json.dumps(body).encode()


@dataclass
class Traffic:
    """Per chat, updates sent one after another and redelivered until answered 200, as
    Telegram does; ``acked`` holds what was acknowledged, ``refused`` each non-200 time."""

    client: httpx.AsyncClient
    acked: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    refused: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    async def chat(self, chat_id: int, count: int, gap: float = 0.0, give_up: float = 120) -> None:
        for _ in range(count):
            uid = next(_ids)
            body = update(chat_id, uid, "/start")
            deadline = time.monotonic() + give_up
            while True:
                try:
                    response = await self.client.post(
                        f"{INGEST}/webhook",
                        content=body,
                        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                    )
                    status = response.status_code
                except httpx.HTTPError:
                    status = 0
                self.statuses[status] += 1
                if status == 200:
                    self.acked[chat_id].append(uid)
                    break
                self.refused.append(time.monotonic())
                if time.monotonic() > deadline:
                    return
                await asyncio.sleep(0.1)
            if gap:
                await asyncio.sleep(gap)

    async def run(self, chats: list[int], per_chat: int, gap: float = 0.0) -> None:
        await asyncio.gather(*(self.chat(c, per_chat, gap) for c in chats))

    def all_acked(self) -> set[int]:
        return {u for ids in self.acked.values() for u in ids}


async def register_chats(client: httpx.AsyncClient, chats: list[int]) -> None:
    for chat_id in chats:
        response = await client.post(
            f"{FAKE_API}/__fake__/users",
            json={"user_id": chat_id, "first_name": f"Smoke {chat_id}", "language_code": "ru"},
        )
        response.raise_for_status()


def container_log(cid: str) -> str:
    done = subprocess.run(
        [DOCKER, "logs", cid], capture_output=True, text=True, timeout=120, check=False
    )
    return done.stdout + done.stderr


def ledger() -> list[tuple[str, int, int, str, str]]:
    """(timestamp, chat_id, update_id, outcome, container) of every ``update`` log line."""
    rows = []
    for cid in containers("worker"):
        for line in container_log(cid).splitlines():
            if '"update"' not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("event") == "update" and "update_id" in entry:
                rows.append(
                    (
                        str(entry["timestamp"]),
                        int(entry.get("chat_id") or 0),
                        int(entry["update_id"]),
                        str(entry.get("outcome")),
                        cid[:12],
                    )
                )
    rows.sort()
    return rows


async def settle(traffic: Traffic, within: float = 120) -> set[int]:
    """Wait until every acknowledged update was handled; returns the ones that never were."""
    wanted = traffic.all_acked()

    async def probe() -> bool:
        done = {row[2] for row in await asyncio.to_thread(ledger)}
        return wanted <= done

    await eventually(probe, within, 2.0)
    done = {row[2] for row in ledger()}
    return wanted - done


def reordered(traffic: Traffic) -> list[tuple[int, int, int]]:
    """(chat, update, later update handled before it) for updates handled out of order.

    A redelivered update handled again right after itself is fine; handling an earlier update
    after a later one of the same chat is not."""
    chats = set(traffic.acked)
    wanted = traffic.all_acked()
    highest: dict[int, int] = {}
    bad = []
    for _, chat, uid, outcome, _ in ledger():
        if chat not in chats or uid not in wanted or outcome == "retry":
            continue
        top = highest.get(chat, -1)
        if uid < top:
            bad.append((chat, uid, top))
        highest[chat] = max(top, uid)
    return bad


async def check_delivered(traffic: Traffic, within: float = 120, note: str = "") -> float:
    """Wait until every acknowledged update was handled, then check none was lost or reordered.

    ``note`` is added to the first check's line; ``{seconds}`` in it becomes the time the wait
    took, which is also returned."""
    started = time.monotonic()
    lost = await settle(traffic, within)
    took = round(time.monotonic() - started, 1)
    missing = f" (missing: {sorted(lost)[:5]})" if lost else ""
    acked = len(traffic.all_acked())
    check(not lost, f"{acked} updates acknowledged, none lost{note.format(seconds=took)}{missing}")
    bad = reordered(traffic)
    check(not bad, f"none reordered{f' {bad[:3]}' if bad else ''}")
    return took


async def sends_by_chat(client: httpx.AsyncClient, chats: list[int]) -> dict[int, int]:
    out = {}
    for chat_id in chats:
        response = await client.get(
            f"{FAKE_API}/__fake__/calls", params={"method": "sendMessage", "chat_id": chat_id}
        )
        out[chat_id] = len(response.json()["result"])
    return out


async def queue_stats() -> dict[str, Any]:
    (cid,) = containers("ingest")[:1]
    out = await asyncio.to_thread(
        run, DOCKER, "exec", cid, "bot-gateway", "queue", "stats", "--json"
    )
    stats: dict[str, Any] = json.loads(out)
    return stats


_chat_ids = itertools.count(700_000_001)


def new_chats(n: int) -> list[int]:
    return [next(_chat_ids) for _ in range(n)]


# -- steps ------------------------------------------------------------------------------------


def docker_answers() -> str:
    done = subprocess.run(
        [DOCKER, "version", "-f", "{{.Server.Version}}"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    return done.stdout.strip() if done.returncode == 0 else ""


def step_daemon() -> None:
    """A fresh machine has docker.io installed but no daemon running: start one (root only)."""
    say("== docker daemon")
    missing = [tool for tool in (DOCKER, COMPOSE[0]) if shutil.which(tool) is None]
    if missing:
        raise SystemExit(
            f"compose-smoke: {', '.join(missing)} not found: "
            "apt-get install docker.io docker-compose"
        )
    version = docker_answers()
    if version:
        say(f"  dockerd {version} is running")
        return
    dockerd = shutil.which("dockerd")
    if dockerd is None or os.geteuid() != 0:
        raise SystemExit(
            "compose-smoke: no Docker daemon answers, and it can only be started here by root "
            "with dockerd installed (apt-get install docker.io; then `dockerd &` as root)"
        )
    log = os.environ.get("SMOKE_DOCKERD_LOG", "/tmp/bot-gateway-dockerd.log")
    # nice: its builds and containers share the machine; it outlives the smoke (the images built
    # stay usable), so it runs in a session of its own.
    with open(log, "ab") as out:
        daemon = subprocess.Popen(
            ["nice", "-n", "10", dockerd], stdout=out, stderr=out, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    say(f"  no daemon answered: started `nice -n 10 dockerd` (pid {daemon.pid}, log {log})")
    deadline = time.monotonic() + 60
    while not (version := docker_answers()):
        if daemon.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"compose-smoke: dockerd did not come up; see {log}")
        time.sleep(0.5)
    say(f"  dockerd {version} answers; it stays up after the smoke (stop it: kill {daemon.pid})")


def step_build() -> None:
    say("== build")
    started = time.monotonic()
    if os.environ.get("SMOKE_PUBLIC_IMAGES") != "1":
        # Idempotent: builds only the stand-ins that are missing, and says which.
        stream(str(ROOT / "deploy" / "build-standins.sh"))
        check(True, "stand-in base images built from Debian packages (deploy/build-standins.sh)")
        measured["standins_seconds"] = round(time.monotonic() - started)
    stream(str(ROOT / "deploy" / "wheelhouse.sh"))
    args = ["--build-arg", f"PYTHON_IMAGE={ENV.get('PYTHON_IMAGE', 'python:3.11-slim')}"]
    args += ["--build-arg", "PIP_INSTALL_ARGS=--no-index"]
    images_started = time.monotonic()
    for target, tag in (("production", IMAGE), ("fakes", FAKES_IMAGE)):
        say(f"  docker build --target {target} -t {tag} .")
        run(DOCKER, "build", "-q", *args, "--target", target, "-t", tag, ".")
    measured["image_build_seconds"] = round(time.monotonic() - images_started)
    measured["build_seconds"] = round(time.monotonic() - started)
    size = int(run(DOCKER, "image", "inspect", "-f", "{{.Size}}", IMAGE).strip())
    measured["image_mb"] = round(size / 1e6)
    say(f"  built {IMAGE} ({measured['image_mb']} MB) in {measured['build_seconds']} s")
    user = run(DOCKER, "image", "inspect", "-f", "{{.Config.User}}", IMAGE).strip()
    check(user not in ("", "root", "0"), f"production image runs as {user!r}, not root")
    entry = run(DOCKER, "image", "inspect", "-f", "{{json .Config.Entrypoint}}", IMAGE).strip()
    check(json.loads(entry)[0] == "dumb-init", f"entrypoint {entry}: an init as PID 1")
    health = run(DOCKER, "image", "inspect", "-f", "{{json .Config.Healthcheck}}", IMAGE)
    env = run(DOCKER, "image", "inspect", "-f", "{{json .Config.Env}}", IMAGE)
    check(
        "HEALTHCHECK_URL" in health and "HEALTHCHECK_URL=http://127.0.0.1:8080/livez" in env,
        "image HEALTHCHECK probes HEALTHCHECK_URL (default the ingest's /livez)",
    )
    probe = (
        "import importlib.util as u, shutil; "
        "print(u.find_spec('devkit') is None, u.find_spec('pip') is None, "
        "not any(shutil.which(t) for t in ('gcc', 'cc', 'make')))"
    )
    out = run(DOCKER, "run", "--rm", "--entrypoint", "python", IMAGE, "-c", probe).split()
    check(out == ["True", "True", "True"], "no dev kit, no pip, no compiler in the image")
    out = run(DOCKER, "run", "--rm", "--entrypoint", "python", FAKES_IMAGE, "-c", probe).split()
    check(out[0] == "False", "the fakes image (compose profile fakes) has the dev kit")


async def step_up() -> None:
    say("== docker compose --profile fakes up -d")
    started = time.monotonic()
    compose("up", "-d", "--no-build")
    services = ["redis", "postgres", "ingest", "worker", "fakes"]
    ok = await all_healthy(services)
    measured["up_seconds"] = round(time.monotonic() - started)
    check(ok, f"every healthcheck healthy ({', '.join(services)}) in {measured['up_seconds']} s")
    (migrate,) = containers("migrate")
    state = inspect(migrate)["State"]
    check(state["ExitCode"] == 0 and not state["Running"], "migrate ran and exited 0")
    check(len(containers("worker")) == 2, "two worker replicas (deploy.replicas)")


async def step_traffic(client: httpx.AsyncClient) -> None:
    say("== webhook updates through the published port, replies at the fake Bot API")
    chats = new_chats(10)
    await register_chats(client, chats)
    traffic = Traffic(client)
    await traffic.run(chats, per_chat=5)
    check(traffic.statuses == {200: 50}, f"50 updates answered 200 ({dict(traffic.statuses)})")
    await check_delivered(traffic)
    sends = await sends_by_chat(client, chats)
    check(all(n >= 5 for n in sends.values()), f"replies in every chat at the fake: {sends}")


async def step_scale(client: httpx.AsyncClient) -> None:
    say("== --scale worker=3: all three take work")
    compose("up", "-d", "--no-build", "--no-recreate", "--scale", "worker=3")
    check(await all_healthy(["worker"]), "three workers healthy")
    check(len(containers("worker")) == 3, "three worker containers")
    seen: dict[str, int] = defaultdict(int)
    acked: set[int] = set()
    lost: set[int] = set()
    bad: list[tuple[int, int, int]] = []
    # `queue stats` is sampled while traffic runs (a docker exec each, so a sample costs about a
    # second here): another round of traffic if a worker was never caught with work in flight.
    for _ in range(3):
        chats = new_chats(60)
        await register_chats(client, chats)
        traffic = Traffic(client)
        sending = asyncio.create_task(traffic.run(chats, per_chat=15))
        while not sending.done():
            stats = await queue_stats()
            for worker, n in stats["inflight"].items():
                seen[worker] = max(seen[worker], int(n))
            await asyncio.sleep(0.1)
        await sending
        lost |= await settle(traffic)
        bad += reordered(traffic)
        acked |= traffic.all_acked()
        if sum(1 for n in seen.values() if n > 0) >= 3:
            break
    busy = {w: n for w, n in seen.items() if n > 0}
    check(len(busy) >= 3, f"queue stats: in flight per worker (max seen) {dict(seen)}")
    handled: dict[str, int] = defaultdict(int)
    for _, _, uid, _, container in ledger():
        if uid in acked:
            handled[container] += 1
    check(len(handled) >= 3, f"updates handled per worker container: {dict(handled)}")
    check(not lost, f"{len(acked)} updates, none lost")
    check(not bad, "none reordered")


async def step_roll(client: httpx.AsyncClient) -> None:
    say("== rolling restart of the workers during traffic (one at a time)")
    chats = new_chats(30)
    await register_chats(client, chats)
    traffic = Traffic(client)
    sending = asyncio.create_task(traffic.run(chats, per_chat=40, gap=0.02))
    stops = []
    for cid in containers("worker"):
        started = time.monotonic()
        # `docker compose restart worker` restarts every replica at once; one by one keeps the
        # pipeline served throughout, as an orchestrator's rolling update does.
        await asyncio.to_thread(run, DOCKER, "restart", "-t", "35", cid)
        stops.append(time.monotonic() - started)
        await all_healthy(["worker"], within=60)
    await sending
    measured["restart_seconds"] = [round(s, 1) for s in stops]
    check(
        max(stops) < 35,
        f"each restart finished before the 35 s grace ({measured['restart_seconds']} s)",
    )
    await check_delivered(traffic)


async def step_graceful_stop(client: httpx.AsyncClient) -> None:
    say("== docker stop of a busy worker: SIGTERM reaches bot-gateway, chats handed back")
    chats = new_chats(20)
    await register_chats(client, chats)
    traffic = Traffic(client)
    sending = asyncio.create_task(traffic.run(chats, per_chat=30, gap=0.02))
    victim = None
    for _ in range(100):
        stats = await queue_stats()
        busy = [w for w, n in stats["inflight"].items() if n > 0]
        if busy:
            victim = busy[0]
            break
        await asyncio.sleep(0.1)
    target = next(
        (c for c in containers("worker") if victim and inspect(c)["Config"]["Hostname"] in victim),
        containers("worker")[0],
    )
    started = time.monotonic()
    await asyncio.to_thread(run, DOCKER, "stop", "-t", "35", target)
    took = time.monotonic() - started
    state = inspect(target)["State"]
    logs = await asyncio.to_thread(container_log, target)
    measured["graceful_stop_seconds"] = round(took, 2)
    check(victim is not None, f"stopped worker {name_of(target)} had chats in flight")
    check(state["ExitCode"] == 0, f"exit code {state['ExitCode']} (0: shut down, not killed)")
    check('"worker_stopped"' in logs, f"its log ends with worker_stopped, after {took:.1f} s")
    await sending
    await asyncio.to_thread(run, DOCKER, "start", target)
    await check_delivered(traffic)
    await all_healthy(["worker"], within=60)


async def step_kill(client: httpx.AsyncClient) -> None:
    say("== docker kill of one worker during traffic")
    chats = new_chats(30)
    await register_chats(client, chats)
    traffic = Traffic(client)
    sending = asyncio.create_task(traffic.run(chats, per_chat=30, gap=0.02))
    await asyncio.sleep(1.5)  # let the traffic reach every worker before the kill
    victim = containers("worker")[-1]
    await asyncio.to_thread(run, DOCKER, "kill", victim)
    await sending
    measured["kill_recovery_seconds"] = await check_delivered(
        traffic, within=180, note=" (its chats resumed after its lease: {seconds} s)"
    )
    await asyncio.to_thread(run, DOCKER, "start", victim)


async def step_redis_down(client: httpx.AsyncClient) -> None:
    say("== docker compose stop redis: ingest answers 503, recovers when Redis is back")
    chat = new_chats(1)
    await register_chats(client, chat)
    compose("stop", "redis")
    response = await client.post(
        f"{INGEST}/webhook", content=update(chat[0], next(_ids), "/start"),
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )  # fmt: skip
    check(response.status_code == 503, f"POST /webhook with Redis stopped: {response.status_code}")
    ready = await client.get(f"{INGEST}/ready")
    check(ready.status_code == 503, f"/ready: {ready.status_code} {ready.text}")
    live = await client.get(f"{INGEST}/livez")
    check(
        live.status_code == 200, f"/livez still {live.status_code} (no restart for a Redis outage)"
    )
    started = time.monotonic()
    compose("start", "redis")
    traffic = Traffic(client)
    await traffic.chat(chat[0], 3)
    took = time.monotonic() - started
    check(traffic.statuses[200] == 3, f"accepted again {took:.1f} s after `start redis`")
    lost = await settle(traffic)
    check(not lost, "and handled")


def sentinel_ready(cid: str) -> bool:
    """The sentinel can authorise a failover (CKQUORUM) and knows a replica in good state."""
    ask = [DOCKER, "exec", cid, "redis-cli", "-p", "26379", "sentinel"]
    quorum = run(*ask, "ckquorum", "gateway", check_rc=False)
    replicas = run(*ask, "replicas", "gateway", check_rc=False).split()
    flags = [replicas[i + 1] for i, key in enumerate(replicas[:-1]) if key == "flags"]
    return quorum.startswith("OK") and "slave" in flags


def redis_node(address: str) -> tuple[str, str]:
    """(service, container) of the ``ha`` Redis node at the address the sentinels name (its fixed
    address on ``redis-ha``; the configured one, so a stopped node is found too)."""
    for service in ("redis-primary", "redis-replica"):
        for cid in containers(service):
            for net in inspect(cid)["NetworkSettings"]["Networks"].values():
                if address in ((net.get("IPAMConfig") or {}).get("IPv4Address"), net["IPAddress"]):
                    return service, cid
    raise RuntimeError(f"no ha Redis node at {address!r}")


async def failover_round(client: httpx.AsyncClient, replica_ack: int) -> dict[str, Any]:
    env = dict(ENV)
    env.update(
        {
            "REDIS_SENTINELS": "sentinel-1:26379,sentinel-2:26379,sentinel-3:26379",
            "INGEST_REPLICA_ACK": str(replica_ack),
        }
    )
    ha = [*COMPOSE, "--profile", "fakes", "--profile", "ha"]
    run(*ha, "up", "-d", "--no-build", env=env)
    await all_healthy(["redis-primary", "redis-replica", "sentinel-1", "ingest", "worker"])
    sentinel = containers("sentinel-1")[0]
    # Healthy sentinels may not yet be able to fail over: each learns of the replica from the
    # primary's INFO (every 10 s) and of the other sentinels from their hellos (every 2 s). A
    # kill before that is a failover aborted for want of a replica, retried only after twice
    # the failover timeout: wait until every sentinel knows a healthy replica and a quorum.
    sentinels = [c for n in ("sentinel-1", "sentinel-2", "sentinel-3") for c in containers(n)]
    ready_since = time.monotonic()
    ready = await eventually(
        lambda: asyncio.to_thread(lambda: all(map(sentinel_ready, sentinels))), 90, 1.0
    )
    check(
        bool(ready),
        f"every sentinel knows the replica and a quorum "
        f"({time.monotonic() - ready_since:.1f} s after healthy)",
    )

    def primary() -> str:
        out = run(DOCKER, "exec", sentinel, "redis-cli", "-p", "26379", "sentinel",
                  "get-master-addr-by-name", "gateway", check_rc=False)  # fmt: skip
        return out.split()[0] if out.split() else ""

    chats = new_chats(20)
    await register_chats(client, chats)
    traffic = Traffic(client)
    sending = asyncio.create_task(traffic.run(chats, per_chat=60, gap=0.01))
    await asyncio.sleep(2)
    old = primary()
    _, victim = redis_node(old)
    killed_at = time.monotonic()
    await asyncio.to_thread(run, DOCKER, "kill", victim)
    new = await eventually(lambda: asyncio.to_thread(lambda: (p := primary()) != old and p), 60)
    promoted = time.monotonic() - killed_at
    # Bring the old primary back; the sentinels turn it into a replica of the new one.
    await asyncio.to_thread(run, DOCKER, "start", victim)
    await sending
    lost = await settle(traffic, within=180)
    after = [t for t in traffic.refused if t >= killed_at]
    window = (max(after) - killed_at) if after else 0.0
    return {
        "replica_ack": replica_ack,
        "acked": len(traffic.all_acked()),
        "lost": len(lost),
        "refused": len(after),
        "seconds_of_503": round(window, 1),
        "promoted_after": round(promoted, 1),
        "new_primary": f"{redis_node(new)[0]} ({new})" if new else "",
        "reordered": len(reordered(traffic)),
    }


async def step_failover(client: httpx.AsyncClient) -> None:
    say("== Redis Sentinel (profile ha): docker kill the primary during traffic")
    for ack in (0, 1):
        result = await failover_round(client, ack)
        measured[f"failover_replica_ack_{ack}"] = result
        label = "WAIT 1 before the 200" if ack else "appendfsync everysec, no WAIT"
        say(f"  {label}: {json.dumps(result)}")
        check(bool(result["new_primary"]), f"a replica was promoted ({result['promoted_after']} s)")
        if ack:
            check(result["lost"] == 0, f"INGEST_REPLICA_ACK=1: {result['lost']} acknowledged lost")
        check(result["reordered"] == 0, "none reordered")


DEMO_ENV_FILE = "deploy/demo.env"


def demo_env() -> dict[str, str]:
    """The shell of someone following the README's demo: none of the smoke's own settings, only
    where the images and the published ports are (``--env-file`` supplies the rest)."""
    env = {k: v for k, v in os.environ.items() if k not in ENV or ENV[k] == v}
    for name in (*(n for n in ENV if n.endswith("_IMAGE")), "COMPOSE_PROJECT_NAME"):
        env[name] = ENV[name]
    env["INGEST_PUBLISH"], env["FAKES_PUBLISH"] = ENV["INGEST_PUBLISH"], ENV["FAKES_PUBLISH"]
    given = (ROOT / DEMO_ENV_FILE).read_text().splitlines()
    for line in given:  # what the file sets, the shell must not override
        if line.strip() and not line.startswith("#"):
            env.pop(line.split("=", 1)[0].strip(), None)
    return env


def compose_refusal(env: dict[str, str]) -> str:
    """What ``config`` says when compose refuses the configuration ("" when it accepts it)."""
    done = subprocess.run(
        [*COMPOSE, "--profile", "fakes", "config", "-q"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    return done.stderr if done.returncode else ""


async def step_demo(client: httpx.AsyncClient) -> None:
    say(f"== the README's demo: --env-file {DEMO_ENV_FILE} --profile fakes up")
    env = demo_env()
    refused = await asyncio.to_thread(compose_refusal, env)
    check(
        "SERVICE_API_KEY" in refused,
        "without the env file compose stops at once, naming SERVICE_API_KEY",
    )
    demo = [*COMPOSE, "--env-file", DEMO_ENV_FILE, "--profile", "fakes"]
    await asyncio.to_thread(run, *demo, "up", "-d", "--no-build", env=env)
    ok = await all_healthy(["ingest", "worker", "fakes"])
    check(ok, "ingest, worker and fakes healthy with ENVIRONMENT=development and the dev key")
    (chat,) = new_chats(1)
    await register_chats(client, [chat])
    # As a person in `bot-gateway chat` would: the fake Bot API pushes the update to the webhook
    # ingest set at start-up (TELEGRAM_SET_WEBHOOK=true, http://ingest:8080/webhook).
    sent = await client.post(f"{FAKE_API}/__fake__/users/{chat}/command", json={"command": "start"})
    sent.raise_for_status()

    async def answered() -> int:
        return (await sends_by_chat(client, [chat]))[chat]

    replies = await eventually(answered, 90, 1.0)
    check(bool(replies), f"/start via the fake's webhook delivery answered ({replies} messages)")


async def main() -> int:
    started = time.monotonic()
    step_daemon()
    try:
        if "build" not in SKIP:
            step_build()
        await step_up()
        async with httpx.AsyncClient(timeout=10) as client:
            steps = [
                ("traffic", step_traffic),
                ("scale", step_scale),
                ("roll", step_roll),
                ("stop", step_graceful_stop),
                ("kill", step_kill),
                ("redis", step_redis_down),
                ("ha", step_failover),
                ("demo", step_demo),
            ]
            for name, body in steps:
                if name in SKIP:
                    continue
                try:
                    await body(client)
                except Exception as exc:  # a step that blew up is a miss; go on with the next
                    check(False, f"step {name} raised {type(exc).__name__}: {exc}")
    finally:
        if os.environ.get("SMOKE_KEEP") != "1":
            say("== docker compose down -v")
            run(*COMPOSE, "--profile", "fakes", "--profile", "ha", "down", "-v",
                "--remove-orphans", check_rc=False)  # fmt: skip
            left = run(DOCKER, "ps", "-a", "-q", "--filter",
                       f"label=com.docker.compose.project={PROJECT}")  # fmt: skip
            check(not left.split(), "no container left behind")
    measured["total_seconds"] = round(time.monotonic() - started)
    say("== measured\n" + json.dumps(measured, indent=2))
    if failures:
        say(f"compose-smoke: {len(failures)} MISSED:\n  " + "\n  ".join(failures))
        return 1
    say("compose-smoke: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
