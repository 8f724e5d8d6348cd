"""Build a worker's bot runtime once per process: Bot, Dispatcher, storage and their helpers.

:func:`build_runtime` is the explicit factory (no DI container): it creates the Redis client, the
database engine, the service clients, the session and metrics writers, the ``Bot`` (with the Bot
API middleware on its session and ``TELEGRAM_API_URL`` as its server) and the ``Dispatcher``
(FSM in Redis, middlewares, feature routers), starts the metrics port and publishes the command
menus. :meth:`BotRuntime.close` undoes all of it, flushing buffered rows first.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.utils.i18n import I18n
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.clients import ServiceClients
from shared.clock import Clock, SystemClock, clock_for
from shared.connections import connect_redis
from shared.db.engine import create_engine, create_sessionmaker
from shared.logs import get_logger
from shared.pipeline.metrics import refresh_queue_gauges
from shared.settings import Settings
from workers.bot import middlewares
from workers.bot.core.approvals import ApprovalNotices
from workers.bot.core.auth import ProfileCache
from workers.bot.core.broadcast.store import BroadcastStore
from workers.bot.core.catalog import CommandCatalog
from workers.bot.core.fsm import PrefetchingRedisStorage
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.ui.answers import AnswerFirst
from workers.bot.locales import create_i18n
from workers.bot.metrics.buffer import MetricsRecorder
from workers.bot.metrics.server import MetricsServer
from workers.bot.middlewares.access import AccessMiddleware
from workers.bot.middlewares.auth import AuthMiddleware
from workers.bot.middlewares.callback_answer import CallbackAnswerMiddleware
from workers.bot.middlewares.i18n import I18nMiddleware, LocaleResolver
from workers.bot.middlewares.ratelimit import RateLimitMiddleware, UserRateLimiter
from workers.bot.runtime.broadcast import refresh_broadcast_gauges
from workers.bot.runtime.prefetch import Prefetcher
from workers.bot.runtime.routers import feature_routers, release_router
from workers.bot.sessions import SessionStore
from workers.bot.telegram.commands import CommandMenus
from workers.bot.telegram.json_session import JsonSession
from workers.bot.telegram.pacing import Pacer, PacingLimits, create_limits_storage, parse_pace
from workers.bot.telegram.session import BotApiMiddleware

__all__ = ["BotRuntime", "build_runtime"]

log = get_logger(__name__)

# Redis calls made outside an update (metrics scrape, start-up) give up after this many seconds.
OUTSIDE_UPDATE_TIMEOUT = 5.0
PUBLISH_DEADLINE = 90.0


@dataclass(slots=True)
class BotRuntime:
    settings: Settings
    bot: Bot
    dispatcher: Dispatcher
    redis: Redis
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    i18n: I18n
    sessions: SessionStore
    metrics: MetricsRecorder
    catalog: CommandCatalog
    menus: CommandMenus
    clients: ServiceClients
    metrics_server: MetricsServer | None = None
    prefetcher: Prefetcher | None = None
    # "Now" for quiet hours, held notices and shift days (the fakes' clock in dev and tests).
    clock: Clock = field(default_factory=SystemClock)
    closed: bool = False

    async def refresh_gauges(self) -> None:
        """Gauges that are read, not counted: breaker states and the queue's depth and lag
        (pending updates, active chats, oldest pending age: the autoscaling signal)."""
        async with asyncio.timeout(OUTSIDE_UPDATE_TIMEOUT):
            await self.clients.breaker_states()
            await refresh_queue_gauges(
                self.redis, self.settings.redis.key_prefix, self.settings.telegram.bot_id
            )
            await refresh_broadcast_gauges(self.engine)

    async def close(self) -> None:
        """Stop the port, flush buffered rows, close every connection (in that order)."""
        if self.closed:
            return
        self.closed = True
        if self.metrics_server is not None:
            await self.metrics_server.stop()
        await self.metrics.writer.close()
        await self.sessions.writer.close()
        await self.bot.session.close()
        await self.clients.aclose()
        await self.engine.dispose()
        # The FSM storage shares this client, so it is closed once, here.
        await self.redis.aclose()
        log.info("bot_runtime_closed")


def _create_bot(settings: Settings, redis: Redis, sessions: SessionStore) -> Bot:
    tg = settings.telegram
    pace = PacingLimits(
        parse_pace(tg.pace_private), parse_pace(tg.pace_group), parse_pace(tg.pace_global)
    )
    pacer = None
    if pace.private or pace.group or pace.global_:
        storage = create_limits_storage(redis, settings.redis.key_prefix)
        pacer = Pacer(storage, pace, bot_id=tg.bot_id, cap=tg.retry_after_cap)
    session = JsonSession(api=TelegramAPIServer.from_base(tg.api_url), timeout=tg.request_timeout)
    # Outermost: a press is answered before the first thing it changes is sent.
    session.middleware(AnswerFirst())
    session.middleware(
        BotApiMiddleware(
            pacer=pacer,
            retry_after_cap=tg.retry_after_cap,
            retries=tg.api_retries,
            on_unreachable=sessions.mark_chat_unreachable,
            answers=redis,
            key_prefix=settings.redis.key_prefix,
        )
    )
    return Bot(
        tg.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def _create_dispatcher(settings: Settings, redis: Redis) -> Dispatcher:
    storage = PrefetchingRedisStorage(
        redis,
        key_builder=DefaultKeyBuilder(prefix=f"{settings.redis.key_prefix}:fsm", with_bot_id=True),
        state_ttl=settings.redis.fsm_ttl,
        data_ttl=settings.redis.fsm_ttl,
    )
    # No events isolation: the pipeline already runs one update at a time per chat.
    return Dispatcher(storage=storage, name="bot-gateway")


async def build_runtime(
    settings: Settings,
    *,
    routers: Sequence[Router] | None = None,
    metrics_port: int | None = None,
    publish_commands: bool = True,
) -> BotRuntime:
    """Everything one worker process needs; ``routers`` defaults to the feature routers."""
    chosen = feature_routers() if routers is None else list(routers)
    # aiogram logs every update at INFO; the runtime writes its own line with more in it.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    runtime = _assemble(settings)
    try:
        _wire_dispatcher(runtime, chosen)
        runtime.sessions.writer.start()
        runtime.metrics.writer.start()
        port = settings.worker.metrics_port if metrics_port is None else metrics_port
        if port:
            runtime.metrics_server = MetricsServer(
                settings.worker.metrics_host, port, on_scrape=runtime.refresh_gauges
            )
            await runtime.metrics_server.start()
        if publish_commands:
            await _publish_commands(runtime)
    except BaseException:
        await runtime.close()
        raise
    return runtime


def _assemble(settings: Settings) -> BotRuntime:
    """The objects, no I/O yet (connections open on first use)."""
    kp, bot_id, worker = settings.redis.key_prefix, settings.telegram.bot_id, settings.worker
    # Auto-pipelined: the updates running at once send their reads and writes together.
    # No per-read socket timeout: redis-py wraps every reply (and every pool checkout) in an
    # asyncio timeout, about half the client-side cost of a command (measured: a GET 60 -> 41 us,
    # a 6-command pipeline 102 -> 72 us). Every update runs under PIPELINE_HANDLER_TIMEOUT, and
    # the calls made outside an update carry their own deadline (OUTSIDE_UPDATE_TIMEOUT).
    redis = connect_redis(settings.redis, socket_timeout=None, autopipeline=True)
    engine = create_engine(settings.database)
    sessionmaker = create_sessionmaker(engine)
    sessions = SessionStore(
        redis,
        sessionmaker,
        key_prefix=kp,
        bot_id=bot_id,
        ttl=settings.redis.session_ttl,
        batch_size=worker.session_batch_size,
        flush_seconds=worker.session_flush_seconds,
    )
    catalog = CommandCatalog(sessionmaker, refresh_seconds=worker.commands_refresh_seconds)
    return BotRuntime(
        settings=settings,
        bot=_create_bot(settings, redis, sessions),
        dispatcher=_create_dispatcher(settings, redis),
        redis=redis,
        engine=engine,
        sessionmaker=sessionmaker,
        i18n=create_i18n(),
        sessions=sessions,
        metrics=MetricsRecorder(
            sessionmaker,
            batch_size=worker.metrics_batch_size,
            flush_seconds=worker.metrics_flush_seconds,
        ),
        catalog=catalog,
        menus=CommandMenus(redis, catalog, key_prefix=kp, bot_id=bot_id),
        clients=ServiceClients.create(settings, redis),
        clock=clock_for(settings),
    )


def _wire_dispatcher(runtime: BotRuntime, routers: Sequence[Router]) -> None:
    settings, redis, i18n = runtime.settings, runtime.redis, runtime.i18n
    kp, bot_id = settings.redis.key_prefix, settings.telegram.bot_id
    gateway_settings = GatewaySettingsStore(
        redis, key_prefix=kp, cache_seconds=settings.worker.gateway_settings_cache_seconds
    )

    async def default_language() -> str:
        return (await gateway_settings.get()).default_language

    resolver = LocaleResolver(runtime.sessions, default_language)
    limiter = UserRateLimiter(redis, settings.rate_limit, key_prefix=kp, bot_id=bot_id)
    profiles = ProfileCache(
        runtime.clients.users, redis, key_prefix=kp, ttl=settings.worker.profile_cache_seconds
    )
    dp = runtime.dispatcher
    middlewares.install(
        dp,
        ratelimit=RateLimitMiddleware(limiter, i18n, resolver),
        i18n=I18nMiddleware(i18n, resolver),
        auth=AuthMiddleware(profiles, runtime.clients.tokens, runtime.sessions, i18n),
        access=AccessMiddleware(runtime.catalog, runtime.menus, i18n),
        callback_answer=CallbackAnswerMiddleware(settings.worker.callback_answer_seconds),
    )
    runtime.prefetcher = Prefetcher(redis, limiter, runtime.sessions, profiles)
    for router in routers:
        dp.include_router(release_router(router))
    # Handlers receive these by name, next to aiogram's own (bot, state, event_from_user, …).
    dp.workflow_data.update(
        sessions=runtime.sessions,
        clients=runtime.clients,
        catalog=runtime.catalog,
        metrics=runtime.metrics,
        # For feature handlers: the gateway's own tables (the inline keyboard cache), Redis for
        # their counters (keys under app_settings.redis.key_prefix) and the settings.
        sessionmaker=runtime.sessionmaker,
        redis=runtime.redis,
        app_settings=runtime.settings,
        gateway_settings=gateway_settings,
        broadcasts=BroadcastStore(runtime.engine),
        clock=runtime.clock,
        approvals=ApprovalNotices(runtime.redis, runtime.settings, runtime.clock),
    )


async def _publish_commands(runtime: BotRuntime) -> None:
    try:
        # Long enough to wait out another worker publishing under the menu lock.
        async with asyncio.timeout(PUBLISH_DEADLINE):
            await runtime.menus.publish_default(runtime.bot)
    except Exception:
        # Start anyway: the menus are a convenience, and the next start publishes them.
        log.warning("command_menus_not_published", exc_info=True)
