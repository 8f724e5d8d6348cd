"""``bot-gateway dev``: the whole system on one machine, as child processes, until Ctrl-C.

Start-up, each step waiting for the previous one to be ready:

1. Redis and PostgreSQL (``servers``): ``REDIS_URL`` / ``DATABASE_URL`` when given, else embedded
   Valkey and PostgreSQL keeping their data under the data directory (``.devdata/``);
2. ``bot-gateway migrate``;
3. ``bot-gateway fakes``: the five fake services and the fake Bot API;
4. ``bot-gateway ingest`` in webhook mode: at start-up it calls ``setWebhook`` on the fake, which
   then delivers every simulated user's update to ``POST /webhook`` — the production path, secret
   header included (``--polling`` runs ingest as the long poller of the fake instead);
5. ``bot-gateway worker`` × 2 (``--workers N``).

Every child runs in a session of its own with its output prefixed by its name. On SIGINT or
SIGTERM (or when a child dies) they are stopped in order — ingest, workers (which finish or hand
back their batch), fakes — and the databases last. The URLs go to ``<data dir>/dev.json``, where
``bot-gateway chat`` finds the fake Bot API.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from devkit.tools.devstate import STATE_FILE, cli_name
from devkit.tools.processes import Child, bot_gateway_argv
from shared.settings import DEV_BOT_TOKEN

__all__ = ["DEV_TOKEN", "DevPorts", "DevStack", "dev_command"]

# A well-formed token for the fake Bot API when none is configured (it accepts any).
DEV_TOKEN = DEV_BOT_TOKEN  # refused by the settings outside development and test
SERVICES = ("auth", "user", "request", "shift", "analytics")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class DevPorts:
    ingest: int = 8080
    telegram: int = 8081
    internal: int = 8090
    services: dict[str, int] = field(
        default_factory=lambda: {name: 8101 + i for i, name in enumerate(SERVICES)}
    )
    metrics: list[int] = field(default_factory=lambda: [9101, 9102])

    @classmethod
    def fixed(cls, workers: int) -> DevPorts:
        return cls(metrics=[9101 + i for i in range(workers)])

    @classmethod
    def free(cls, workers: int) -> DevPorts:
        return cls(
            ingest=_free_port(),
            telegram=_free_port(),
            internal=_free_port(),
            services={name: _free_port() for name in SERVICES},
            metrics=[_free_port() for _ in range(workers)],
        )


def _has_token() -> bool:
    from devkit.tools.overrides import load_settings_with
    from shared.settings import SettingsError

    try:
        load_settings_with({})
    except SettingsError as exc:
        return not str(exc).startswith("TELEGRAM_BOT_TOKEN")
    return True


class DevStack:
    def __init__(
        self,
        data_dir: Path,
        ports: DevPorts,
        *,
        workers: int = 2,
        polling: bool = False,
        handler: str | None = None,
        out: Callable[[str], None] = print,
    ) -> None:
        self.data_dir = data_dir.resolve()
        self.ports = ports
        self.workers = workers
        self.polling = polling
        self.handler = handler
        self.out = out
        self.children: list[Child] = []
        self.servers: Child | None = None
        self.urls: dict[str, Any] = {}

    def _child(self, name: str, argv: list[str], env: dict[str, str]) -> Child:
        return Child(name, argv, env, self.out)

    def _env(self, redis_url: str, postgres_url: str) -> dict[str, str]:
        env = dict(os.environ)
        tg_url = f"http://127.0.0.1:{self.ports.telegram}"
        ingest = f"http://127.0.0.1:{self.ports.ingest}"
        env.update(
            {
                "REDIS_URL": redis_url,
                "DATABASE_URL": postgres_url,
                "TELEGRAM_API_URL": tg_url,
                "INGEST_HOST": "127.0.0.1",
                "INGEST_PORT": str(self.ports.ingest),
                "INGEST_RECORD": env.get("INGEST_RECORD", "true"),
                # Service events: the fakes POST what they change to the internal listener.
                "INTERNAL_HOST": "127.0.0.1",
                "INTERNAL_PORT": str(self.ports.internal),
                "GATEWAY_EVENTS_URL": f"http://127.0.0.1:{self.ports.internal}/internal/v1/events",
                "TELEGRAM_USE_WEBHOOK": "false" if self.polling else "true",
                "TELEGRAM_SET_WEBHOOK": "false" if self.polling else "true",
                "TELEGRAM_WEBHOOK_URL": f"{ingest}/webhook",
                "TELEGRAM_WEBHOOK_SECRET": secrets.token_urlsafe(32),
                "ENVIRONMENT": env.get("ENVIRONMENT", "development"),
                "LOG_FORMAT": env.get("LOG_FORMAT", "console"),
                "PYTHONUNBUFFERED": "1",
            }
        )
        for name, port in self.ports.services.items():
            env[f"{name.upper()}_SERVICE_URL"] = f"http://127.0.0.1:{port}"
        # The gateway follows the fakes' clock: `POST /__fake__/clock` moves both (quiet hours).
        env.setdefault("CLOCK_URL", f"{env['USER_SERVICE_URL']}/__fake__/clock")
        if not _has_token():
            env["TELEGRAM_BOT_TOKEN"] = DEV_TOKEN
        return env

    async def _start_servers(self) -> tuple[str, str, dict[str, Any]]:
        self.servers = self._child(
            "servers",
            [sys.executable, "-m", "devkit.tools.servers_proc", str(self.data_dir)],
            dict(os.environ),
        )
        await self.servers.start()
        line = await self.servers.wait_for_line(lambda s: s.startswith("{"), 180)
        info: dict[str, Any] = json.loads(line)
        if "error" in info:
            raise RuntimeError(f"Redis/PostgreSQL did not start: {info['error']}")
        return info["redis_url"], info["postgres_url"], info

    async def _migrate(self, env: dict[str, str]) -> None:
        child = self._child("migrate", bot_gateway_argv("migrate"), env)
        self.children.append(child)
        await child.start()
        code = await asyncio.wait_for(child.wait(), 180)
        if code != 0:
            raise RuntimeError(f"migrations failed (exit {code})")

    async def _ready_http(self, child: Child, url: str, timeout: float) -> None:  # noqa: ASYNC109
        import httpx

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                if not child.running:
                    raise RuntimeError(f"{child.name} exited during start-up")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(url)).status_code == 200:
                        return
                if loop.time() > deadline:
                    raise TimeoutError(f"{child.name} was not ready within {timeout:g}s")
                await asyncio.sleep(0.1)

    async def start(self) -> None:
        redis_url, postgres_url, info = await self._start_servers()
        env = self._env(redis_url, postgres_url)
        await self._migrate(env)
        fakes = self._child(
            "fakes", bot_gateway_argv("fakes", "--state-dir", str(self.data_dir)), env
        )
        self.children.append(fakes)
        await fakes.start()
        await fakes.wait_for_line(lambda s: "fakes running" in s, 60)
        ingest = self._child("ingest", bot_gateway_argv("ingest"), env)
        self.children.append(ingest)
        await ingest.start()
        await self._ready_http(ingest, f"http://127.0.0.1:{self.ports.ingest}/ready", 60)
        started = []
        for n, port in enumerate(self.ports.metrics[: self.workers], 1):
            worker_env = {
                **env,
                "WORKER_METRICS_PORT": str(port),
                "WORKER_METRICS_HOST": "127.0.0.1",
            }
            args = ["worker", *(["--handler", self.handler] if self.handler else [])]
            worker = self._child(f"worker-{n}", bot_gateway_argv(*args), worker_env)
            self.children.append(worker)
            await worker.start()
            started.append(worker)
        for worker in started:
            await worker.wait_for_line(lambda s: "worker_started" in s, 120)
        self.urls = {
            "telegram_api_url": env["TELEGRAM_API_URL"],
            "ingest_url": f"http://127.0.0.1:{self.ports.ingest}",
            "events_url": env["GATEWAY_EVENTS_URL"],
            "services": {n: env[f"{n.upper()}_SERVICE_URL"] for n in SERVICES},
            "worker_metrics": [f"http://127.0.0.1:{p}/metrics" for p in self.ports.metrics],
            "redis_url": redis_url,
            "database_url": postgres_url,
            "redis_source": info["redis_source"],
            "postgres_source": info["postgres_source"],
            "key_prefix": env.get("REDIS_KEY_PREFIX", "bgw"),
            "mode": "polling" if self.polling else "webhook",
            "pid": os.getpid(),
            "env": self._adoptable(env),
        }
        (self.data_dir / STATE_FILE).write_text(json.dumps(self.urls, indent=2))
        self._summary()

    @staticmethod
    def _adoptable(env: dict[str, str]) -> dict[str, str]:
        """What the operator commands adopt (``devstate.adopt_dev_stack``). A real token the
        developer configured stays in their environment, not in this file."""
        names = [
            "REDIS_URL",
            "REDIS_KEY_PREFIX",
            "DATABASE_URL",
            "TELEGRAM_API_URL",
            *(f"{n.upper()}_SERVICE_URL" for n in SERVICES),
        ]
        if env.get("TELEGRAM_BOT_TOKEN") == DEV_TOKEN:
            names.append("TELEGRAM_BOT_TOKEN")
        return {k: env[k] for k in names if k in env}

    def _summary(self) -> None:
        from shared.settings import mask_url

        u = self.urls
        cli = cli_name()
        mode = (
            "long polling the fake"
            if self.polling
            else "webhook; the fake delivers updates via setWebhook"
        )

        def where(source: str, sub: str) -> str:
            return f"embedded, data in {self.data_dir / sub}" if source == "embedded" else source

        services = "  ".join(f"{n} {url}" for n, url in u["services"].items())
        lines = [
            "",
            "bot-gateway dev is up:",
            f"  redis        {u['redis_url']}  ({where(u['redis_source'], 'valkey')})",
            f"  postgres     {mask_url(u['database_url'])}  "
            f"({where(u['postgres_source'], 'postgres')})",
            f"  fake Bot API {u['telegram_api_url']}  (inspect: {u['telegram_api_url']}"
            "/__fake__/transcript)",
            f"  services     {services}",
            f"  ingest       {u['ingest_url']}/webhook  ({mode}); /health /ready",
            f"  events       {u['events_url']}  (the fakes post what they change)",
            f"  workers      {self.workers} x bot-gateway worker; metrics "
            + " ".join(u["worker_metrics"][: self.workers]),
            "",
            f"  chat with the bot:  {cli} chat   (in another terminal, this directory;"
            " --as executor|manager|admin|newcomer)",
            f"  record updates:     {cli} record --out updates.jsonl --follow",
            f"  queue and DLQ:      {cli} queue stats;  {cli} dlq list",
            "  Ctrl-C stops everything.",
            "",
        ]
        for line in lines:
            self.out(line)

    async def watch(self, stop: asyncio.Event) -> int:
        """Until ``stop`` is set (0) or a child exits on its own (1)."""
        waits = {asyncio.create_task(c.wait()): c for c in self.children if c.name != "migrate"}
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({stopper, *waits}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        for task in waits:
            if task not in done:
                task.cancel()
        for task in done:
            if task in waits:
                self.out(f"dev: {waits[task].name} exited (code {task.result()}); stopping")
                return 1
        return 0

    async def shutdown(self) -> None:
        """Children in order — intake first, then the workers together (each finishes or hands
        back its batch), then the fakes — and the databases last; kills what does not stop."""
        groups: list[tuple[list[Child], float]] = [
            ([c for c in self.children if c.name in ("migrate", "ingest")], 20),
            ([c for c in self.children if c.name.startswith("worker")], 40),
            ([c for c in self.children if c.name == "fakes"], 20),
        ]
        for group, grace in groups:
            await asyncio.gather(*(child.stop(grace) for child in group))
        if self.servers is not None:
            await self.servers.stop(60)
        with contextlib.suppress(OSError):
            (self.data_dir / STATE_FILE).unlink()


async def run_dev(stack: DevStack) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    code = 0
    try:
        starting = asyncio.create_task(stack.start())
        stopper = asyncio.create_task(stop.wait())
        await asyncio.wait({starting, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not starting.done():
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await starting
            stack.out("dev: stopped during start-up")
        else:
            try:
                starting.result()
            except (RuntimeError, TimeoutError, OSError, ValueError) as exc:
                stack.out(f"dev: start-up failed: {exc}")
                code = 1
            else:
                code = await stack.watch(stop)
    finally:
        stack.out("dev: stopping")
        await stack.shutdown()
        stack.out("dev: stopped")
    return code


def dev_command(
    data_dir: Annotated[
        Path, typer.Option(help="Where the embedded databases keep their data.")
    ] = Path(".devdata"),
    workers: Annotated[int, typer.Option(min=1, max=8, help="Worker processes.")] = 2,
    polling: Annotated[
        bool, typer.Option("--polling", help="Ingest long-polls the fake instead of a webhook.")
    ] = False,
    handler: Annotated[
        str | None,
        typer.Option(help="Workers' handler factory module:callable (default: the bot)."),
    ] = None,
    free_ports: Annotated[
        bool,
        typer.Option(
            "--free-ports",
            help="Pick free ports instead of 8080/8081/8101-8105/9101+ (to run beside others).",
        ),
    ] = False,
) -> None:
    """Run the whole system locally: databases, migrations, fakes, ingest, workers; Ctrl-C stops."""
    ports = DevPorts.free(workers) if free_ports else DevPorts.fixed(workers)
    data_dir.mkdir(parents=True, exist_ok=True)

    def out(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    stack = DevStack(data_dir, ports, workers=workers, polling=polling, handler=handler, out=out)
    code = asyncio.run(run_dev(stack))
    if code:
        raise typer.Exit(code)
