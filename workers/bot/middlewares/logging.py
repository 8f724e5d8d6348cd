"""The logging step, outermost of ours: the update's ids in every log line, one line per update.

It binds ``update_id``, ``chat_id``, ``user_id``, ``update_type`` (and ``attempt``) to structlog's
context variables for everything logged while the update runs, and ``handler`` as soon as the
dispatcher has picked one (:func:`record_handler`, from an inner middleware). When the update is
done it writes one ``update`` line with the outcome and the duration; a permanent failure carries
its traceback, a transient one only its class (the pipeline logs the retry).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from contextvars import Token
from typing import Any

from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.event.handler import HandlerObject
from aiogram.types import Chat, TelegramObject, Update, User
from aiogram.types.update import UpdateTypeLookupError

from shared.logs import context_vars, emit, get_logger
from workers.bot.core.context import UpdateContext
from workers.bot.core.failures import classify

__all__ = [
    "HandlerNameMiddleware",
    "LoggingMiddleware",
    "begin_update",
    "end_update",
    "record_handler",
    "update_done",
    "update_failed",
    "update_type_of",
]

log = get_logger("workers.update")
# The keys bound for every line of the update, set directly (structlog's own variables).
_BOUND = context_vars("update_id", "update_type", "chat_id", "user_id", "attempt")
_UPDATE_ID, _UPDATE_TYPE, _CHAT_ID, _USER_ID, _ATTEMPT = _BOUND
(_HANDLER,) = context_vars("handler")
# A handler's name for the logs and metrics, by its callback.
_names: dict[Any, str] = {}

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def update_type_of(update: Update) -> str:
    try:
        return update.event_type
    except UpdateTypeLookupError:  # an update type newer than the installed aiogram
        return "unknown"


Tokens = tuple[Token[Any], ...]


def begin_update(event: TelegramObject, data: dict[str, Any]) -> tuple[UpdateContext, Tokens]:
    """Fill the update's context and bind its ids for every line logged while it runs."""
    ctx: UpdateContext = data["update_context"]
    ctx.logged = True
    if isinstance(event, Update):
        ctx.update_type = update_type_of(event)
        query = event.callback_query
        if query is not None and query.data:
            # Only the prefix ("rq", "cr") names the action; the rest may carry ids.
            ctx.callback_prefix = query.data.split(":", 1)[0][:32]
    chat: Chat | None = data.get("event_chat")
    user: User | None = data.get("event_from_user")
    if chat is not None:
        ctx.chat_id, ctx.chat_type = chat.id, chat.type
    if user is not None:
        ctx.user_id = user.id
    tokens = (
        _UPDATE_ID.set(ctx.update_id),
        _UPDATE_TYPE.set(ctx.update_type),
        _CHAT_ID.set(ctx.chat_id),
        _USER_ID.set(ctx.user_id),
        _ATTEMPT.set(ctx.attempt),
    )
    return ctx, tokens


def update_failed(ctx: UpdateContext, exc: Exception) -> None:
    ctx.error = type(exc).__name__
    ctx.outcome = "failed" if classify(exc) == "permanent" else "retry"


def update_done(ctx: UpdateContext, result: Any) -> None:
    if ctx.outcome is None:
        ctx.outcome = "unhandled" if result is UNHANDLED else "handled"


def end_update(
    ctx: UpdateContext, tokens: Tokens, started: float, failure: Exception | None
) -> None:
    """The update's one ``update`` line; then its ids are unbound."""
    fields: dict[str, Any] = {
        "outcome": ctx.outcome,
        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        "handler": ctx.handler,
    }
    if ctx.command:
        fields["command"] = ctx.command
    if failure is None:
        # log.info without structlog's wrapper layers: the same line, for less CPU.
        emit(log, "info", "update", **fields)
    elif ctx.outcome == "failed":
        log.error("update", error=ctx.error, exc_info=failure, **fields)
    else:
        log.warning("update", error=ctx.error, reason=str(failure)[:200], **fields)
    for var, token in zip(_BOUND, tokens, strict=True):
        var.reset(token)
    _HANDLER.set(Ellipsis)  # unbound (record_handler binds it without a token)


class LoggingMiddleware(BaseMiddleware):
    """The logging step as a middleware of its own (the dispatcher runs it in
    :class:`~workers.bot.middlewares.gateway.GatewayMiddleware`)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        ctx, tokens = begin_update(event, data)
        started = time.perf_counter()
        failure: Exception | None = None
        try:
            result = await handler(event, data)
        except Exception as exc:
            failure = exc
            update_failed(ctx, exc)
            raise
        else:
            update_done(ctx, result)
            return result
        finally:
            end_update(ctx, tokens, started, failure)


def _handler_name(callback: Any) -> str:
    try:
        name = _names.get(callback)
    except TypeError:  # an unhashable callable object
        return f"{callback.__module__}.{getattr(callback, '__qualname__', '?')}"
    if name is None:
        name = f"{callback.__module__}.{getattr(callback, '__qualname__', '?')}"
        if len(_names) < 4096:  # the routers' handlers: a bounded set
            _names[callback] = name
    return name


def record_handler(data: dict[str, Any]) -> None:
    """Name the handler the dispatcher chose, for logs and metrics."""
    chosen: HandlerObject | None = data.get("handler")
    ctx: UpdateContext | None = data.get("update_context")
    if chosen is not None and ctx is not None:
        name = _handler_name(chosen.callback)
        ctx.handler = name
        _HANDLER.set(name)


class HandlerNameMiddleware(BaseMiddleware):
    """Inner middleware: record which handler the dispatcher chose, for logs and metrics.

    The access middleware records it itself on the observers it guards (one layer less).
    """

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        record_handler(data)
        return await handler(event, data)
