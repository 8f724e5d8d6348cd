"""``bot-gateway dev`` as a subprocess: start in a clean environment, read its state, stop it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.devtools.support import ROOT, cli_argv, run_cli

UP = "  Ctrl-C stops everything."  # the last line of the "what is where" summary
# What a developer's fresh shell would not have: the stack must find or start everything itself.
STRIPPED = ("REDIS_URL", "DATABASE_URL", "REDIS_KEY_PREFIX", "TELEGRAM_BOT_TOKEN", "LOG_FORMAT")


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in STRIPPED}


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def descendants(pid: int) -> set[int]:
    tree, found, todo = _children(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class DevProcess:
    data_dir: Path
    args: tuple[str, ...] = ()
    proc: asyncio.subprocess.Process | None = None
    output: list[str] = field(default_factory=list)
    _up: asyncio.Event = field(default_factory=asyncio.Event)
    _pump: asyncio.Task[None] | None = None

    async def start(self, timeout: float = 240.0) -> dict[str, Any]:  # noqa: ASYNC109
        self.proc = await asyncio.create_subprocess_exec(
            *cli_argv("dev", "--free-ports", "--data-dir", str(self.data_dir), *self.args),
            cwd=ROOT,
            env=clean_env(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            limit=1 << 20,
        )
        self._pump = asyncio.create_task(self._read())
        waiter = asyncio.create_task(self._up.wait())
        await asyncio.wait(
            {waiter, self._pump}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
        )
        waiter.cancel()
        if not self._up.is_set():
            await self.stop()
            raise AssertionError("dev stack did not come up:\n" + "\n".join(self.output[-60:]))
        state: dict[str, Any] = json.loads((self.data_dir / "dev.json").read_text())
        return state

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            text = line.decode(errors="replace").rstrip("\n")
            self.output.append(text)
            if text == UP:
                self._up.set()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    async def terminate(self, timeout: float = 120.0) -> int:  # noqa: ASYNC109
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.proc.wait(), timeout)
        if self._pump is not None:
            await self._pump
        return code

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            try:
                await self.terminate()
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    async def chat(self, script: str, *args: str, timeout: float = 120.0) -> str:  # noqa: ASYNC109
        """A scripted ``bot-gateway chat`` session against this stack; its stdout."""
        result = await run_cli(
            "chat",
            "--data-dir",
            str(self.data_dir),
            *args,
            env=clean_env(),
            stdin=script,
            timeout=timeout,
            inherit=False,
        )
        assert result.code == 0, result.stderr
        return result.stdout


def postmaster_pid(data_dir: Path) -> int | None:
    path = data_dir / "postgres" / "pgdata" / "postmaster.pid"
    try:
        return int(path.read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
