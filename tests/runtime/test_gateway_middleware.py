"""The gateway middleware against the nine update middlewares it folds: same data, logs, errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.dispatcher.middlewares.error import ErrorsMiddleware
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.types import ErrorEvent, Message, Update

from bench.worker.target import make_update
from tests.conftest import TEST_TOKEN
from workers.bot import middlewares
from workers.bot.core.auth import ProfileCache
from workers.bot.core.context import UpdateContext
from workers.bot.core.fsm import PrefetchingRedisStorage, prefetched_fsm
from workers.bot.core.gate import PUBLIC
from workers.bot.locales import create_i18n
from workers.bot.middlewares import (
    AccessMiddleware,
    AuthMiddleware,
    CallbackAnswerMiddleware,
    GatewayMiddleware,
    HandlerNameMiddleware,
    I18nMiddleware,
    LoggingMiddleware,
    RateLimitMiddleware,
    StepExitMiddleware,
)
from workers.bot.middlewares import logging as logging_step
from workers.bot.middlewares.i18n import LocaleResolver
from workers.bot.runtime.prefetch import Prefetched
from workers.bot.sessions import SessionStore


class _Lines:
    """Stands in for the logging step's logger: the lines it writes."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def _line(self, level: str) -> Any:
        def write(event: str, **fields: Any) -> None:
            fields.pop("duration_ms", None)
            fields.pop("exc_info", None)
            self.lines.append({"event": event, "level": level, **fields})

        return write

    def __getattr__(self, level: str) -> Any:
        return self._line(level)


class _Allowed:
    def result(self, raw: Any, is_command: bool) -> None:
        return None


def _dispatcher(redis: Any, prefix: str, *, folded: bool, behaviour: str) -> Dispatcher:
    storage = PrefetchingRedisStorage(
        redis, key_builder=DefaultKeyBuilder(prefix=f"{prefix}:fsm", with_bot_id=True)
    )
    dp = Dispatcher(storage=storage)
    i18n = create_i18n()
    nothing: Any = None  # every read comes prefetched: no database, service or catalogue
    sessions = SessionStore(
        redis, nothing, key_prefix=prefix, bot_id=1, ttl=60, batch_size=10**6, flush_seconds=1e6
    )
    resolver = LocaleResolver(sessions)
    ratelimit = RateLimitMiddleware(nothing, i18n, resolver)
    ratelimit.limiter = _Allowed()  # type: ignore[assignment]
    steps: dict[str, Any] = {
        "ratelimit": ratelimit,
        "i18n": I18nMiddleware(i18n, resolver),
        "auth": AuthMiddleware(
            ProfileCache(nothing, redis, key_prefix=prefix, ttl=60), nothing, sessions, i18n
        ),
        "access": AccessMiddleware(nothing, nothing, i18n),
        "callback_answer": CallbackAnswerMiddleware(deadline=0.5),
    }
    if folded:
        middlewares.install(dp, **steps)
    else:  # the layers as they were, one middleware each
        for outer in (
            LoggingMiddleware(),
            steps["callback_answer"],
            steps["ratelimit"],
            steps["i18n"],
            steps["auth"],
            ErrorsMiddleware(dp),
        ):
            dp.update.outer_middleware(outer)
        names = HandlerNameMiddleware()
        for event, observer in dp.observers.items():
            if event not in ("update", "error"):
                observer.middleware(names)
        dp.message.outer_middleware(StepExitMiddleware())
        dp.message.middleware(steps["access"])
        dp.callback_query.middleware(steps["access"])
    seen: list[Any] = []
    dp.workflow_data["seen"] = seen

    async def handler(message: Message, **data: Any) -> str:
        seen.append({key: type(value).__name__ for key, value in data.items()})
        if behaviour != "ok":
            raise LookupError(behaviour)
        return "done"

    async def on_error(event: ErrorEvent, **data: Any) -> Any:
        seen.append("error handler")
        if str(event.exception) != "answered":
            raise SkipHandler  # unanswered: the error goes on
        return "answered"

    router = Router()
    router.message.register(handler, flags=PUBLIC)
    router.errors.register(on_error)
    dp.include_router(router)
    return dp


async def _feed(
    dp: Dispatcher, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, list[Any], UpdateContext]:
    update = Update.model_validate(json.loads(make_update(7, 3_000_007)), context={"bot": bot})
    event = UserContextMiddleware.resolve_event_context(update)
    assert event.chat is not None and event.user is not None
    fsm = dp.fsm.resolve_context(bot, chat_id=event.chat.id, user_id=event.user.id)
    assert fsm is not None and isinstance(fsm.storage, PrefetchingRedisStorage)
    token = fsm.storage.remember(fsm.key, b"form:step", None)
    prefetched = Prefetched(
        limit_checked=True,
        limit=[],
        session=[b"uz"],
        profile_read=True,
        profile=b"-",
        event_context=event,
        fsm=fsm,
    )
    ctx = UpdateContext(7)
    logs = _Lines()
    monkeypatch.setattr(logging_step, "log", logs)
    try:
        result: Any = await dp.feed_update(
            bot, update, update_context=ctx, update_meta=None, prefetched=prefetched
        )
    except LookupError as exc:
        result = exc.args
    finally:
        prefetched_fsm.reset(token)
    return result, logs.lines, ctx


def test_install_leaves_one_outer_update_layer(redis: Any, prefix: str) -> None:
    dp = _dispatcher(redis, prefix, folded=True, behaviour="ok")
    assert [type(m) for m in dp.update.outer_middleware] == [GatewayMiddleware]
    assert [type(m) for m in dp.message.middleware] == [AccessMiddleware]
    assert [type(m) for m in dp.edited_message.middleware] == [HandlerNameMiddleware]


@pytest.mark.parametrize("behaviour", ["ok", "answered", "unanswered"])
async def test_the_gateway_runs_the_steps_the_layers_ran(
    redis: Any, prefix: str, behaviour: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = Bot(TEST_TOKEN)
    layers = _dispatcher(redis, prefix, folded=False, behaviour=behaviour)
    gateway = _dispatcher(redis, prefix, folded=True, behaviour=behaviour)
    before = await _feed(layers, bot, monkeypatch)
    after = await _feed(gateway, bot, monkeypatch)
    assert after == before
    assert (
        after[0] == {"ok": "done", "answered": "answered", "unanswered": ("unanswered",)}[behaviour]
    )
    # The handler's data, then the error handlers: innermost, and outermost when unanswered.
    seen = gateway.workflow_data["seen"]
    assert seen[1:] == {"ok": [], "answered": ["error handler"]}.get(
        behaviour, ["error handler", "error handler"]
    )
    assert {"auth", "locale", "i18n", "state", "raw_state", "event_from_user"} <= set(seen[0])
    outcome = {"ok": "handled", "answered": "handled", "unanswered": "failed"}[behaviour]
    assert after[2].outcome == outcome and after[2].locale == "uz"
    level = "error" if behaviour == "unanswered" else "info"
    assert [(line["event"], line["level"]) for line in after[1]] == [("update", level)]
