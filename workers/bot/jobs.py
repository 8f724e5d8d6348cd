"""The bot's own jobs in a worker, next to ``drain``: :data:`BOT_JOBS`, handed to the pipeline's
``build_worker`` by ``workers.cli`` (the queue side never imports the bot).

- Hourly: the ``bot_metrics`` rollup (at :07) and the purge of expired inline keyboards (at :37).
  The keyboard cache turns an expired row into a "this button is out of date" answer when
  someone presses it, but nothing else ever deletes it; without the purge the table only grows.
  Both are no-ops in a worker that runs no bot runtime (a bench handler, say).
- Every second: the broadcast check, which tops up the senders of unfinished broadcasts; each
  new sender is a ``broadcast_send`` job (:mod:`workers.bot.runtime.broadcast`); and the release
  of held notifications (quiet hours, folding) whose time has come into their chats' lanes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from shared.logs import get_logger
from shared.pipeline.keys import Keys
from workers.bot.metrics.rollup import RUNTIME_CTX_KEY, rollup_metrics

__all__ = [
    "BOT_JOBS",
    "BROADCAST_SEND",
    "BotJobs",
    "broadcast_check",
    "broadcast_send",
    "purge_keyboard_cache",
    "release_held_notifications",
]

log = get_logger(__name__)


async def purge_keyboard_cache(ctx: dict[str, Any]) -> int | None:
    """arq cron job: delete expired ``inline_keyboard_cache`` rows (skipped without a runtime)."""
    runtime = ctx.get(RUNTIME_CTX_KEY)
    if runtime is None:
        log.debug("keyboard_cache_purge_skipped", reason="no bot runtime in this worker")
        return None
    # Imported here: a worker without the bot (a bench handler) need not load aiogram for it.
    from workers.bot.core.ui.kbcache import KeyboardCache

    return await KeyboardCache(runtime.sessionmaker).purge_expired()


async def release_held_notifications(ctx: dict[str, Any]) -> int | None:
    """arq cron job: held notifications that are due go into their chats' lanes (one atomic
    script per chat, see workers.bot.notifications.held); skipped without a runtime."""
    runtime = ctx.get(RUNTIME_CTX_KEY)
    if runtime is None:
        return None
    from workers.bot.notifications.held import HeldStore

    # Due times were set against the runtime's clock (the fakes' one in dev and tests).
    now = await runtime.clock.now()
    return await HeldStore(runtime.redis, runtime.settings).release_due(int(now.timestamp() * 1000))


BROADCAST_SEND: Final = "broadcast_send"


def _broadcast_job_id(ctx: dict[str, Any], broadcast_id: int, run_id: str) -> str:
    keys: Keys = ctx["keys"]
    return f"{keys.prefix}:bc:{keys.bot_id}:{broadcast_id}:{run_id}"


async def _enqueue_sender(ctx: dict[str, Any], broadcast_id: int, run_id: str) -> None:
    pool = ctx["redis"]
    await pool.enqueue_job(
        BROADCAST_SEND, broadcast_id, run_id, _job_id=_broadcast_job_id(ctx, broadcast_id, run_id)
    )


def _slice_seconds(ctx: dict[str, Any]) -> float:
    """A sender's working time per job: well inside arq's job timeout, 1..15 seconds."""
    return max(1.0, min(15.0, float(ctx["job_timeout"]) - 5.0))


async def broadcast_send(ctx: dict[str, Any], broadcast_id: int, run_id: str) -> None:
    """One broadcast sender (workers.bot.runtime.broadcast); it hands over to a fresh job
    when its slice ends, so no job outlives arq's timeout."""
    if int(ctx.get("job_try") or 1) > 1:
        # arq re-running a job whose worker died: the broadcast check has replaced that sender.
        return
    if ctx.get(RUNTIME_CTX_KEY) is None:
        log.warning("broadcast_sender_skipped", reason="no bot runtime in this worker")
        return
    from workers.bot.runtime.broadcast import run_sender

    successor = await run_sender(
        ctx,
        int(broadcast_id),
        str(run_id),
        stopping=ctx["stopping"],
        slice_seconds=_slice_seconds(ctx),
    )
    if successor is not None:
        await _enqueue_sender(ctx, int(broadcast_id), successor)


async def broadcast_check(ctx: dict[str, Any]) -> None:
    """Cron, every second: keep BROADCAST_RUNNERS live senders on each unfinished broadcast."""
    if ctx.get(RUNTIME_CTX_KEY) is None:
        # Checked before the import: loading aiogram takes the loop ~2 s of CPU, which a worker
        # without the bot (a bench or test handler) must not spend inside a running pipeline.
        return
    from workers.bot.runtime.broadcast import senders_to_start

    for broadcast_id, run_id in await senders_to_start(ctx):
        await _enqueue_sender(ctx, broadcast_id, run_id)


Job = Callable[..., Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class BotJobs:
    """What ``workers.pipeline.queue.build_worker`` takes as ``jobs`` (its ``HandlerJobs``)."""

    hourly: Sequence[tuple[str, Job, int]] = ()
    every_second: Sequence[tuple[str, Job]] = ()
    functions: Sequence[tuple[str, Job, int]] = field(default=())

    async def close(self, ctx: dict[str, Any]) -> None:
        if ctx.get(RUNTIME_CTX_KEY) is None:
            return
        from workers.bot.runtime.broadcast import close_sender_env

        await close_sender_env(ctx)


BOT_JOBS: Final = BotJobs(
    hourly=(
        ("metrics-rollup", rollup_metrics, 7),
        ("keyboard-cache-purge", purge_keyboard_cache, 37),
    ),
    # Broadcast senders: started (and replaced when they die) within about a second.
    every_second=(
        ("broadcast-check", broadcast_check),
        ("release-held-notifications", release_held_notifications),
    ),
    functions=((BROADCAST_SEND, broadcast_send, 2),),
)
