"""The last line against an update that blocks the event loop: a watchdog thread.

Work inside an update is meant to be bounded (the bot decodes updates in linear time, handlers
await their I/O), but one update that still blocks the loop — a library's exponential parser, a
runaway loop — would otherwise stop the worker's heartbeats, let its leases expire, and hand the
chat to the next worker, which blocks too: every chat on every worker stalls in turn.

So each worker process runs :class:`LoopWatchdog`:

* the loop stamps a heartbeat every ``limit / 4`` seconds (a timer callback, nothing awaited),
  with the loop thread's CPU clock;
* a thread (it runs while the loop is blocked: CPU-bound Python and pydantic-core both let other
  threads take the GIL) notices when the stamp is ``WORKER_BLOCK_LIMIT`` seconds old *and* the
  loop thread has burnt a fifth of that in CPU since: a process that is stopped (SIGSTOP, a
  debugger) burns none, and a healthy loop on a starved host stamps between its short turns, so
  neither is taken for an update blocking the loop (handing their chats over would only repeat
  updates elsewhere). Then, once per blocked stretch, it hands every chat this worker holds to
  the others with the ``ABANDON``
  script (a new epoch and job per chat, the worker fenced out as by a reaper takeover, but now
  instead of after the lease). The update whose handler task was running — the one blocking —
  has its attempts used up on the way, so the next claim dead-letters it with the reason and no
  other worker runs it: the poison ends in the DLQ after one blocked worker, not all of them;
* if the loop stays blocked for ``WORKER_BLOCK_EXIT`` seconds the process exits (code 70) so its
  supervisor starts a fresh one; a loop that never returns serves nobody.

When the loop comes back, its activations find themselves fenced (heartbeat and ``NEXT`` answer
LOST) and stop; side effects of the handlers that were in flight may be repeated by the worker
that took their chat over, as after any takeover.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from shared.logs import get_logger
from shared.pipeline import metrics
from shared.pipeline.scripts import PipelineScripts

__all__ = ["CALL_TIMEOUT", "EXIT_CODE", "Activity", "LoopWatchdog"]

log = get_logger(__name__)
EXIT_CODE = 70  # EX_SOFTWARE
# Each ABANDON call from the thread gives up after this long (Redis down: the reaper remains).
CALL_TIMEOUT = 2.0
# Share of the limit the loop thread must have spent on CPU since its last stamp to count as
# blocked by work (not stopped, not waiting for a CPU).
CPU_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class _Held:
    epoch: str
    token: str


class Activity:
    """What this worker is doing, kept by the drainer on the loop and read by the thread.

    Plain dicts: the thread copies them while the loop is blocked (so not writing them), and a
    copy of a dict is atomic under the GIL anyway.
    """

    def __init__(self) -> None:
        self.held: dict[str, _Held] = {}
        self.running: dict[asyncio.Task[None], tuple[str, int]] = {}

    def hold(self, ck: str, epoch: str, token: str) -> None:
        self.held[ck] = _Held(epoch, token)

    def drop(self, ck: str, token: str) -> None:
        held = self.held.get(ck)
        if held is not None and held.token == token:
            del self.held[ck]


class LoopWatchdog:
    def __init__(
        self,
        connect: Callable[[], Redis],
        scripts: PipelineScripts,
        activity: Activity,
        *,
        limit: float,
        exit_after: float = 0.0,
        exit: Callable[[int], object] = os._exit,  # noqa: A002 — the process's own exit
    ) -> None:
        # Called on the thread: the client belongs to the thread's own event loop.
        self.connect = connect
        self.scripts = scripts
        self.activity = activity
        self.limit = limit
        self.exit_after = exit_after
        self._exit = exit
        self._beat = time.monotonic()
        self._beat_cpu = 0.0
        self._cpu_clock: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.blocks = 0  # stretches handled (for tests and logs)

    # -- on the event loop ----------------------------------------------------------------------

    def start(self) -> None:
        """Start stamping on the running loop and the watching thread."""
        self._loop = asyncio.get_running_loop()
        self._cpu_clock = time.pthread_getcpuclockid(threading.get_ident())
        self._tick()
        self._thread = threading.Thread(target=self._watch, name="loop-watchdog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.cancel()
        if self._thread is not None:
            self._thread.join(timeout=self.limit + CALL_TIMEOUT * 2)

    def _tick(self) -> None:
        self._beat_cpu = time.thread_time()  # this (the loop's) thread's CPU clock
        self._beat = time.monotonic()
        assert self._loop is not None
        self._timer = self._loop.call_later(self.limit / 4, self._tick)

    # -- on the thread -----------------------------------------------------------------------

    def _watch(self) -> None:
        loop = asyncio.new_event_loop()
        redis: Redis | None = None
        fired = False
        try:
            assert self._cpu_clock is not None
            while not self._stop.wait(min(self.limit / 4, 0.25)):
                beat, beat_cpu = self._beat, self._beat_cpu
                burnt = time.clock_gettime(self._cpu_clock) - beat_cpu
                lag = time.monotonic() - beat
                if lag < self.limit:
                    fired = False
                    continue
                if burnt < self.limit * CPU_SHARE:
                    continue
                if not fired:
                    fired = True
                    if redis is None:
                        redis = self.connect()
                    loop.run_until_complete(self._hand_over(redis, lag, burnt))
                if self.exit_after and lag >= self.exit_after:
                    log.critical("event_loop_blocked_exit", seconds=round(lag, 1))
                    self._exit(EXIT_CODE)
                    return
        finally:
            if redis is not None:
                loop.run_until_complete(redis.aclose())
            loop.close()

    async def _hand_over(self, redis: Redis, lag: float, burnt: float) -> None:
        self.blocks += 1
        current = asyncio.current_task(self._loop) if self._loop is not None else None
        running = self.activity.running.copy()
        held = self.activity.held.copy()
        culprit = running.get(current) if current is not None else None
        error = f"blocked the event loop for over {self.limit:g}s (watchdog)"
        metrics.LOOP_BLOCKS.labels("yes" if culprit else "no").inc()
        log.error(
            "event_loop_blocked",
            seconds=round(lag, 2),
            cpu_seconds=round(burnt, 2),
            ordering_key=culprit[0] if culprit else None,
            update_id=culprit[1] if culprit else None,
            chats=len(held),
        )
        if culprit is None:
            # Blocked outside any update (start-up, a collector pause, a cron job): nothing to
            # dead-letter, and handing the chats over would let their handlers, which resume
            # with the loop, run beside the new holders. The leases cover a long stall.
            return
        for ck, lease in held.items():
            blocked = culprit[1] if culprit is not None and culprit[0] == ck else None
            try:
                async with asyncio.timeout(CALL_TIMEOUT):
                    epoch = await self.scripts.abandon(
                        redis, ck, lease.epoch, lease.token, blocked_uid=blocked, error=error
                    )
            except Exception as exc:  # Redis down: the reaper takes over when the lease ends
                log.warning("chat_not_handed_over", ordering_key=ck, error=type(exc).__name__)
                continue
            log.warning(
                "chat_handed_over",
                ordering_key=ck,
                new_epoch=epoch,
                poisoned=blocked,
            )
