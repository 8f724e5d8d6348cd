"""Helpers of the in-process worker tests: a scriptable recording handler, a worker runner."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from shared.errors import RetryAfter
from shared.settings import Settings
from workers.pipeline.drain import UpdateHandler, UpdateMeta
from workers.pipeline.queue import WakeWorker, build_worker


async def wait_until(
    predicate: Callable[[], bool | Awaitable[bool]],
    within: float = 10.0,
    every: float = 0.01,
) -> None:
    """Poll ``predicate`` until true; AssertionError after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = predicate()
        if not isinstance(value, bool):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached before the deadline")
        await asyncio.sleep(every)


@dataclass
class Run:
    uid: int
    ck: str
    attempt: int
    start: float
    end: float | None = None
    outcome: str = ""


@dataclass
class Recorder:
    """A handler that records runs and misbehaves on request, per update id."""

    runs: list[Run] = field(default_factory=list)
    fail_times: dict[int, int] = field(default_factory=dict)  # uid -> failures before success
    retry_after: dict[int, tuple[int, float]] = field(default_factory=dict)  # uid -> (n, secs)
    exceptions: dict[int, BaseException] = field(default_factory=dict)  # uid -> always raise
    sleep: dict[int, float] = field(default_factory=dict)
    gates: dict[int, asyncio.Event] = field(default_factory=dict)  # uid -> wait for it
    started: dict[int, asyncio.Event] = field(default_factory=dict)
    default_sleep: float = 0.0

    async def __call__(self, raw: bytes, meta: UpdateMeta) -> None:
        run = Run(meta.update_id, meta.ordering_key, meta.attempt, time.monotonic())
        self.runs.append(run)
        self.started.setdefault(meta.update_id, asyncio.Event()).set()
        try:
            if meta.update_id in self.gates:
                await self.gates[meta.update_id].wait()
            await asyncio.sleep(self.sleep.get(meta.update_id, self.default_sleep))
            if meta.update_id in self.exceptions:
                raise self.exceptions[meta.update_id]
            n, secs = self.retry_after.get(meta.update_id, (0, 0.0))
            if n > 0:
                self.retry_after[meta.update_id] = (n - 1, secs)
                raise RetryAfter(secs)
            if self.fail_times.get(meta.update_id, 0) > 0:
                self.fail_times[meta.update_id] -= 1
                raise RuntimeError(f"transient failure of {meta.update_id}")
        except asyncio.CancelledError:
            run.outcome = "cancelled"
            raise
        except BaseException:
            run.outcome = "failed"
            raise
        else:
            run.outcome = "ok"
        finally:
            run.end = time.monotonic()

    def ok(self) -> list[Run]:
        return [r for r in self.runs if r.outcome == "ok"]

    def order(self, ck: str) -> list[int]:
        return [r.uid for r in self.ok() if r.ck == ck]

    async def factory(self, ctx: dict[str, Any]) -> tuple[UpdateHandler, Any]:
        async def shutdown() -> None:
            return None

        return self, shutdown


@asynccontextmanager
async def running_worker(
    settings: Settings, handler: Recorder, **kwargs: Any
) -> AsyncIterator[WakeWorker]:
    worker = build_worker(settings, handler.factory, handle_signals=False, **kwargs)
    task = asyncio.create_task(worker.async_run())
    try:
        yield worker
    finally:
        if not task.done():
            await worker.close()
        await asyncio.gather(task, return_exceptions=True)


def graceful_stop(worker: WakeWorker) -> None:
    """What SIGTERM does (job_completion_wait): stop picking, let activations wind down."""
    worker.handle_sig_wait_for_completion(signal.SIGTERM)
