"""Sender jobs: every worker helps deliver unfinished broadcasts, at the shared pace.

Wiring (``workers.bot.jobs``, run by the arq wiring in ``workers.pipeline.queue``): a cron job runs
:func:`senders_to_start` every second on one worker; for each unfinished broadcast it tops the live
senders up to ``BROADCAST_RUNNERS`` and ``workers.bot.jobs`` enqueues a ``broadcast_send`` job per
new sender, which runs :func:`run_sender` on whichever worker picks it.

A sender registers itself in ``<prefix>:bc:<bot>:<id>:runners`` (sender id → expiry ms, renewed
every ``BROADCAST_HEARTBEAT``). Then, with ``BROADCAST_CONCURRENCY`` tasks, it repeats: wait for
the limiter (conversations first, then the pace) → claim one recipient (committed) → send → mark
the result. It works for a slice of time and hands over to a fresh job (so no job outlives arq's
timeout), or stops at once when the worker is stopping (a deploy): the next job continues on
another worker right away. A SIGKILLed sender stops renewing; three heartbeats later the cron
starts a replacement, and its claims still in ``sending`` become ``unconfirmed`` (maybe delivered,
never re-sent). The last sender to find nothing left to claim writes the totals and the final card.

The progress card in the sender's chat is edited at most once per ``CARD_INTERVAL`` across all
senders (a Redis ``SET NX PX`` decides who).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.errors import RetryAfter
from shared.logs import get_logger
from shared.settings import Settings
from workers.bot.core.broadcast.limiter import BroadcastLimiter
from workers.bot.core.broadcast.message import card, deliver
from workers.bot.core.broadcast.store import BroadcastRow, BroadcastStore, Claim
from workers.bot.metrics.prom import BROADCAST_MESSAGES, BROADCAST_RECIPIENTS, BROADCASTS_RUNNING
from workers.bot.telegram.json_session import JsonSession
from workers.bot.telegram.pacing import Pacer, PacingLimits, create_limits_storage, parse_pace
from workers.bot.telegram.session import BotApiMiddleware, OnChatUnreachable

__all__ = [
    "CARD_INTERVAL",
    "ENV_CTX_KEY",
    "SenderEnv",
    "close_sender_env",
    "refresh_broadcast_gauges",
    "run_sender",
    "runners_key",
    "sender_env",
    "senders_to_start",
]

log = get_logger(__name__)

ENV_CTX_KEY: Final = "broadcast_env"
RUNTIME_CTX_KEY: Final = "bot_runtime"  # workers.bot.metrics.rollup.RUNTIME_CTX_KEY
CARD_INTERVAL: Final = 5.0
# A sender works this long, then hands over to a fresh job (arq's job timeout bounds a job).
MAX_SLICE: Final = 15.0
# A broadcast whose progress card never appeared (its flow failed for good) still goes out.
CARD_GRACE: Final = timedelta(seconds=60)


class _Sessions(Protocol):
    async def mark_chat_unreachable(self, chat_id: int | str) -> None: ...


class _Runtime(Protocol):
    """What the senders use of the worker's bot runtime (``workers.bot.runtime.BotRuntime``)."""

    settings: Settings
    bot: Bot
    redis: Redis
    engine: AsyncEngine
    i18n: I18n
    sessions: Any


def runners_key(key_prefix: str, bot_id: int, broadcast_id: int) -> str:
    return f"{key_prefix}:bc:{bot_id}:{broadcast_id}:runners"


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(slots=True)
class SenderEnv:
    """Per worker process: the store, the limiter and a Bot whose session hands every 429 back
    at once (the sender pauses the shared pace instead of sleeping on it)."""

    runtime: _Runtime
    store: BroadcastStore
    limiter: BroadcastLimiter
    bot: Bot
    settings: Settings
    acquire_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Senders of each broadcast running in this process.
    local: dict[int, int] = field(default_factory=dict)

    async def share_taken(self, running: int) -> bool:
        """``running`` senders of a broadcast in this process are its share already (runners
        spread over the live workers of the health index)."""
        if running == 0:
            return False
        workers = f"{self.settings.redis.key_prefix}:arq:{self.settings.telegram.bot_id}:workers"
        live = max(1, int(await self.runtime.redis.zcount(workers, _now_ms(), "+inf")))
        return running >= -(-self.settings.broadcast.runners // live)

    def runners(self, broadcast_id: int) -> str:
        return runners_key(
            self.settings.redis.key_prefix, self.settings.telegram.bot_id, broadcast_id
        )

    async def live_runners(self, broadcast_id: int) -> list[str]:
        members = await self.runtime.redis.zrangebyscore(
            self.runners(broadcast_id), _now_ms(), "+inf"
        )
        return [m.decode() if isinstance(m, bytes) else str(m) for m in members]

    async def register(self, broadcast_id: int, run_id: str) -> None:
        ttl_ms = int(3 * self.settings.broadcast.heartbeat * 1000)
        key = self.runners(broadcast_id)
        async with self.runtime.redis.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {run_id: _now_ms() + ttl_ms})
            pipe.zremrangebyscore(key, "-inf", _now_ms() - 60_000)
            pipe.pexpire(key, 86_400_000)
            await pipe.execute()

    async def unregister(self, broadcast_id: int, run_id: str) -> None:
        await self.runtime.redis.zrem(self.runners(broadcast_id), run_id)


def _send_bot(settings: Settings, redis: Redis, on_unreachable: OnChatUnreachable | None) -> Bot:
    tg = settings.telegram
    pacer = None
    global_pace = parse_pace(tg.pace_global)
    if global_pace is not None:
        # The bot's overall window is shared with conversations (same Redis key); a full window
        # hands the send back at once (cap 0) instead of sleeping in the sender.
        pacer = Pacer(
            create_limits_storage(redis, settings.redis.key_prefix),
            PacingLimits(None, None, global_pace),
            bot_id=tg.bot_id,
            cap=0.0,
        )
    session = JsonSession(api=TelegramAPIServer.from_base(tg.api_url), timeout=tg.request_timeout)
    # retries=0: a send whose answer is lost is not repeated (nobody gets a broadcast twice).
    session.middleware(
        BotApiMiddleware(pacer=pacer, retry_after_cap=0.0, retries=0, on_unreachable=on_unreachable)
    )
    return Bot(
        tg.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


# arq hands every job a copy of the worker's context, so the environment is kept per bot runtime
# (one per process), not in the context: one Bot session and one per-process sender count.
_ENVS: dict[int, SenderEnv] = {}


def sender_env(ctx: dict[str, Any]) -> SenderEnv | None:
    """The process's sender environment (built on first use), or None without a bot runtime."""
    runtime = ctx.get(RUNTIME_CTX_KEY)
    if runtime is None:
        return None
    env = _ENVS.get(id(runtime))
    if env is not None and env.runtime is runtime:
        return env
    settings: Settings = runtime.settings
    env = SenderEnv(
        runtime=runtime,
        store=BroadcastStore(runtime.engine),
        limiter=BroadcastLimiter(
            runtime.redis,
            key_prefix=settings.redis.key_prefix,
            bot_id=settings.telegram.bot_id,
            rate=settings.broadcast.rate,
        ),
        bot=_send_bot(settings, runtime.redis, runtime.sessions.mark_chat_unreachable),
        settings=settings,
    )
    _ENVS[id(runtime)] = env
    return env


async def close_sender_env(ctx: dict[str, Any]) -> None:
    runtime = ctx.get(RUNTIME_CTX_KEY)
    env = _ENVS.pop(id(runtime), None) if runtime is not None else None
    if env is not None:
        await env.bot.session.close()


# -- the cron side ------------------------------------------------------------------------------


async def senders_to_start(ctx: dict[str, Any]) -> list[tuple[int, str]]:
    """``(broadcast id, sender id)`` of the senders to start now; each is registered already, so
    the next tick does not start it again before it runs."""
    env = sender_env(ctx)
    if env is None:
        return []
    wanted = env.settings.broadcast.runners
    out: list[tuple[int, str]] = []
    now = datetime.now(UTC)
    for row in await env.store.unfinished():
        if row.card_message_id is None and now - row.created_at < CARD_GRACE:
            continue  # the flow is still putting the progress card up
        live = await env.live_runners(row.id)
        for _ in range(wanted - len(live)):
            run_id = secrets.token_hex(6)
            await env.register(row.id, run_id)
            out.append((row.id, run_id))
    return out


# -- one sender ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Run:
    env: SenderEnv
    row: BroadcastRow
    run_id: str
    stopping: Callable[[], bool]
    deadline: float
    cursor: int = -1
    exhausted: bool = False
    card_at: float = 0.0

    def stop(self) -> bool:
        return self.exhausted or self.stopping() or time.monotonic() >= self.deadline

    async def claim(self) -> Claim | None:
        store, bid = self.env.store, self.row.id
        claim = await store.claim(bid, self.run_id, self.cursor)
        if claim is None and self.cursor >= 0:
            # A released recipient (429) may sit behind the cursor.
            claim = await store.claim(bid, self.run_id, -1)
        if claim is None:
            self.exhausted = True
        else:
            self.cursor = max(self.cursor, claim.seq)
        return claim

    async def loop(self) -> None:
        env = self.env
        while not self.stop():
            async with env.acquire_lock:
                if not await env.limiter.acquire(self.stop):
                    return
            claim = await self.claim()
            if claim is None:
                return
            await self.send(claim)
            await self.maybe_card()

    async def send(self, claim: Claim) -> None:
        env, row = self.env, self.row
        try:
            await deliver(env.bot, claim.telegram_id, row.text, row.photo)
            result = "sent"
        except RetryAfter as exc:
            # Nothing was delivered: back to pending. A 429 pauses every sender (first, so no
            # other send slips through while the row is released).
            flood = isinstance(exc.__cause__, TelegramRetryAfter)
            if flood:
                await env.limiter.pause(exc.retry_after)
            await env.store.release(row.id, claim.seq)
            self.cursor = -1
            if flood:
                BROADCAST_MESSAGES.labels("retry_after").inc()
                log.warning("broadcast_429", broadcast_id=row.id, retry_after=exc.retry_after)
            else:
                await asyncio.sleep(min(exc.retry_after, 1.0))
            return
        except TelegramForbiddenError:
            result = "blocked"
        except TelegramBadRequest as exc:
            log.info("broadcast_send_refused", broadcast_id=row.id, reason=exc.message[:80])
            result = "failed"
        except TelegramAPIError as exc:
            # 5xx / network: the call may have reached Telegram; not repeated (at most once).
            log.warning("broadcast_send_failed", broadcast_id=row.id, error=type(exc).__name__)
            result = "failed"
        BROADCAST_MESSAGES.labels(result).inc()
        await env.store.mark(row.id, claim.seq, result)

    async def maybe_card(self, *, force: bool = False) -> None:
        env, row = self.env, self.row
        if row.card_message_id is None:
            return
        now = time.monotonic()
        if not force and now - self.card_at < CARD_INTERVAL:
            return
        self.card_at = now
        key = f"{env.runners(row.id)}:card"
        if not await env.runtime.redis.set(key, "1", nx=True, px=int(CARD_INTERVAL * 1000)):
            return
        counts = await env.store.counts(row.id)
        current = await env.store.get(row.id)
        if current is None or current.finished_at is not None or current.status != "sending":
            return
        text, markup = card(
            row.id, counts, status="sending", rate=env.settings.broadcast.rate, locale=row.locale
        )
        await _edit_card(env, row, text, markup)

    async def heartbeat(self) -> None:
        period = self.env.settings.broadcast.heartbeat
        while True:
            await asyncio.sleep(period)
            with contextlib.suppress(Exception):
                await self.env.register(self.row.id, self.run_id)


async def _edit_card(env: SenderEnv, row: BroadcastRow, text: str, markup: Any) -> None:
    if row.card_message_id is None:
        return
    try:
        await env.runtime.bot.edit_message_text(
            text=text, chat_id=row.chat_id, message_id=row.card_message_id, reply_markup=markup
        )
    except TelegramBadRequest as exc:
        if "message is not modified" not in exc.message:
            log.info("broadcast_card_not_edited", broadcast_id=row.id, reason=exc.message[:80])
    except (TelegramAPIError, RetryAfter) as exc:
        log.info("broadcast_card_not_edited", broadcast_id=row.id, error=type(exc).__name__)


async def finish(env: SenderEnv, broadcast_id: int, me: str | None) -> bool:
    """Close the broadcast if nothing is left to send; True when it is closed (by anyone)."""
    row = await env.store.get(broadcast_id)
    if row is None or row.finished_at is not None:
        return True
    live = [r for r in await env.live_runners(broadcast_id) if r != me]
    settled = await env.store.settle_dead(broadcast_id, live)
    if settled:
        BROADCAST_MESSAGES.labels("unconfirmed").inc(settled)
        log.warning("broadcast_unconfirmed", broadcast_id=broadcast_id, recipients=settled)
    counts = await env.store.counts(broadcast_id)
    if counts.sending:
        return False  # a live sender is mid-call; it closes the broadcast when it is done
    if counts.pending and row.status == "sending":
        return False
    status = "cancelled" if row.status == "cancelled" else "done"
    text, markup = card(
        row.id, counts, status=status, rate=env.settings.broadcast.rate, locale=row.locale
    )
    # The card first: a crash after it leaves the row open and the next sender repeats both.
    await _edit_card(env, row, text, markup)
    closed = await env.store.finish(broadcast_id, counts)
    if closed is not None:
        log.info(
            "broadcast_finished",
            broadcast_id=broadcast_id,
            status=closed,
            total=counts.total,
            sent=counts.sent,
            failed=counts.not_delivered,
            blocked=counts.blocked,
        )
    return True


async def run_sender(
    ctx: dict[str, Any],
    broadcast_id: int,
    run_id: str,
    *,
    stopping: Callable[[], bool],
    slice_seconds: float = MAX_SLICE,
) -> str | None:
    """One sender job. Returns the id of the sender that continues (already registered; the
    caller enqueues its job), or None when this broadcast needs no more from this chain."""
    env = sender_env(ctx)
    if env is None:
        return None
    # Counted before the first await, so jobs starting together in this process see each other.
    ahead = env.local.get(broadcast_id, 0)
    env.local[broadcast_id] = ahead + 1
    try:
        row = await env.store.get(broadcast_id)
        if row is None or row.finished_at is not None:
            await env.unregister(broadcast_id, run_id)
            return None
        others = [r for r in await env.live_runners(broadcast_id) if r != run_id]
        if len(others) >= env.settings.broadcast.runners or await env.share_taken(ahead):
            # Enough senders already (a late duplicate), or this worker runs its share: another
            # worker takes this one at the next check.
            await env.unregister(broadcast_id, run_id)
            return None
        await env.register(broadcast_id, run_id)
        log.info("broadcast_sender", broadcast_id=broadcast_id, run_id=run_id)
        return await _run(env, row, run_id, stopping, slice_seconds)
    finally:
        env.local[broadcast_id] -= 1
        if env.local[broadcast_id] <= 0:
            del env.local[broadcast_id]


async def _run(
    env: SenderEnv,
    row: BroadcastRow,
    run_id: str,
    stopping: Callable[[], bool],
    slice_seconds: float,
) -> str | None:
    broadcast_id = row.id
    I18n.set_current(env.runtime.i18n)
    run = _Run(env, row, run_id, stopping, time.monotonic() + slice_seconds)
    beat = asyncio.create_task(run.heartbeat())
    try:
        tasks = [asyncio.create_task(run.loop()) for _ in range(env.settings.broadcast.concurrency)]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        beat.cancel()
    if run.exhausted:
        await env.unregister(broadcast_id, run_id)
        await finish(env, broadcast_id, run_id)
        return None
    successor = secrets.token_hex(6)
    await env.register(broadcast_id, successor)
    await env.unregister(broadcast_id, run_id)
    return successor


async def refresh_broadcast_gauges(engine: AsyncEngine) -> None:
    store = BroadcastStore(engine)
    by_state = await store.progress()
    for state, n in by_state.items():
        BROADCAST_RECIPIENTS.labels(state).set(n)
    BROADCASTS_RUNNING.set(len(await store.unfinished()))
