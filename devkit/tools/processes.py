"""Child processes of the dev stack: own sessions, prefixed output, stopped in order.

Each child gets a session (and process group) of its own, so a Ctrl-C in the terminal reaches only
the dev stack, which then stops the children in the right order instead of all at once. On Linux a
child is also asked to get SIGTERM if the dev stack itself dies, so nothing is left running.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence

__all__ = ["Child", "bot_gateway_argv"]

_PR_SET_PDEATHSIG = 1


def bot_gateway_argv(*args: str) -> list[str]:
    """``bot-gateway ARGS`` run by this interpreter (no reliance on PATH)."""
    return [sys.executable, "-m", "shared.cli", *args]


def _die_with_parent() -> None:
    # Best effort and Linux only: the kernel sends SIGTERM when the parent goes away.
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Child:
    """One child process whose output lines go to ``out`` prefixed with its name."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        out: Callable[[str], None],
        width: int = 10,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = dict(env)
        self._out = out
        self._prefix = f"{name:<{width}}| "
        self.process: asyncio.subprocess.Process | None = None
        self._pump: asyncio.Task[None] | None = None
        self.lines: list[str] = []  # the last lines, for error reports
        self._watchers: list[tuple[Callable[[str], bool], asyncio.Future[str]]] = []

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def start(self) -> None:
        preexec = _die_with_parent if sys.platform.startswith("linux") else None
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=preexec,
            limit=1 << 20,  # a long log line must not break the pump
        )
        self._pump = asyncio.create_task(self._forward())

    async def _forward(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        while True:
            raw = await self.process.stdout.readline()
            if not raw:
                for _, future in self._watchers:
                    if not future.done():
                        future.set_exception(RuntimeError(f"{self.name} exited"))
                return
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines = [*self.lines[-49:], line]
            self._out(self._prefix + line)
            for predicate, future in self._watchers:
                if not future.done() and predicate(line):
                    future.set_result(line)

    async def wait_for_line(
        self,
        predicate: Callable[[str], bool],
        timeout: float,  # noqa: ASYNC109 — a deadline over many lines
    ) -> str:
        """The first output line (among the recent ones, or to come) matching ``predicate``."""
        for line in self.lines:
            if predicate(line):
                return line
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._watchers.append((predicate, future))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise TimeoutError(f"{self.name} was not ready within {timeout:g}s") from None
        finally:
            self._watchers = [w for w in self._watchers if w[1] is not future]

    async def wait(self) -> int:
        assert self.process is not None
        code = await self.process.wait()
        if self._pump is not None:
            await self._pump  # the rest of its output
        return code

    async def stop(self, timeout: float) -> int | None:  # noqa: ASYNC109 — the grace period
        """SIGTERM, wait up to ``timeout``; then SIGKILL whatever is left in its process group
        (the child itself when it did not stop, or processes it started and left behind)."""
        if self.process is None:
            return None
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(asyncio.shield(self.wait()), timeout)
            except TimeoutError:
                self._out(self._prefix + f"(did not stop within {timeout:g}s; killing it)")
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return await self.wait()
