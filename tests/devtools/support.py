"""Helpers of the tool tests: free ports, CLI subprocesses, an ingest process, HTTP readiness."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cli_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "shared.cli", *args]


@dataclass
class Completed:
    code: int
    stdout: str
    stderr: str


async def run_cli(
    *args: str,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 120.0,  # noqa: ASYNC109 — a deadline for the whole run
    inherit: bool = True,
    cwd: Path | None = None,
) -> Completed:
    """``bot-gateway ARGS`` in a subprocess with the test environment plus ``env`` (or ``env``
    alone when ``inherit`` is false)."""
    proc = await asyncio.create_subprocess_exec(
        *cli_argv(*args),
        cwd=cwd or ROOT,
        env={**os.environ, **(env or {})} if inherit else dict(env or {}),
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(
            proc.communicate(stdin.encode() if stdin is not None else None), timeout
        )
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
        raise AssertionError(f"bot-gateway {' '.join(args)} timed out:\n{err.decode()}") from None
    return Completed(proc.returncode or 0, out.decode(), err.decode())


async def wait_http_ok(url: str, timeout: float = 60.0, proc=None) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2.0) as client:
        while True:
            if proc is not None and proc.returncode is not None:
                raise AssertionError(f"the process serving {url} exited ({proc.returncode})")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not answer 200 within {timeout:g}s")
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def ingest_process(env: Mapping[str, str]) -> AsyncIterator[str]:
    """``bot-gateway ingest`` (webhook mode) on a free port; yields its base URL."""
    port = free_port()
    proc = await asyncio.create_subprocess_exec(
        *cli_argv("ingest", "--port", str(port)),
        cwd=ROOT,
        env={**os.environ, "TELEGRAM_USE_WEBHOOK": "true", "INGEST_HOST": "127.0.0.1", **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_http_ok(f"{base}/ready", proc=proc)
        yield base
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.communicate(), 20)
        except TimeoutError:
            proc.kill()
            await proc.communicate()
