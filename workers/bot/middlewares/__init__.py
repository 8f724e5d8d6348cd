"""The bot's middlewares, outer → inner: logging, callback answer, rate limit, i18n, auth, access.

The callback-answer step gives every callback query its one answer within a deadline
(:mod:`.callback_answer`). It and the next four run as steps of one outer middleware of the
``update`` observer, :class:`~.gateway.GatewayMiddleware`, after aiogram's own (errors, user
context, FSM context), which it runs too: one layer instead of nine, same order, same ``data``.
They see every update with ``event_from_user``/``event_chat`` resolved. Their Redis reads (and
the FSM's) arrive in ``data["prefetched"]``, read in one round trip before dispatch
(:mod:`workers.bot.runtime.prefetch`); each interprets its own, or reads it itself when that is
absent. Each step keeps its middleware class, which runs that step alone.
:class:`StepExitMiddleware` is an outer middleware of the message observer: a command or a
main-menu button typed in a flow's step takes the chat out of the step before the filters run.
Access control is an inner middleware of the message and callback-query observers (it needs
the chosen handler's flags) and first names the handler in logs and metrics, which
:class:`HandlerNameMiddleware` does as an inner middleware of every other observer.
"""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.dispatcher.middlewares.error import ErrorsMiddleware
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.fsm.middleware import FSMContextMiddleware

from workers.bot.middlewares.access import AccessMiddleware
from workers.bot.middlewares.auth import AuthMiddleware
from workers.bot.middlewares.callback_answer import CallbackAnswerMiddleware
from workers.bot.middlewares.gateway import GatewayMiddleware
from workers.bot.middlewares.i18n import I18nMiddleware
from workers.bot.middlewares.logging import HandlerNameMiddleware, LoggingMiddleware
from workers.bot.middlewares.ratelimit import RateLimitMiddleware
from workers.bot.middlewares.step_exit import StepExitMiddleware

__all__ = [
    "AccessMiddleware",
    "AuthMiddleware",
    "CallbackAnswerMiddleware",
    "GatewayMiddleware",
    "HandlerNameMiddleware",
    "I18nMiddleware",
    "LoggingMiddleware",
    "RateLimitMiddleware",
    "StepExitMiddleware",
    "install",
]

_SKIP_INNER = frozenset({"update", "error", "message", "callback_query"})


def install(
    dp: Dispatcher,
    *,
    ratelimit: RateLimitMiddleware,
    i18n: I18nMiddleware,
    auth: AuthMiddleware,
    access: AccessMiddleware,
    callback_answer: CallbackAnswerMiddleware | None = None,
) -> None:
    # aiogram's own outer middlewares (errors, user context, FSM context) become steps of the
    # gateway middleware, with ours after them (see .gateway for the order).
    own = dp.update.outer_middleware
    expected: list[type] = [ErrorsMiddleware, UserContextMiddleware, FSMContextMiddleware]
    if [type(m) for m in own] != expected:
        raise RuntimeError(f"unexpected update middlewares {list(own)!r}: see middlewares.gateway")
    for middleware in list(own):
        own.unregister(middleware)
    own.register(
        GatewayMiddleware(
            dp,
            callback_answer=callback_answer or CallbackAnswerMiddleware(deadline=0.5),
            ratelimit=ratelimit,
            i18n=i18n,
            auth=auth,
        )
    )
    # The access middleware names the handler itself on the observers it guards.
    names = HandlerNameMiddleware()
    for event, observer in dp.observers.items():
        if event not in _SKIP_INNER:
            observer.middleware(names)
    # Before any filter: a command or a menu button typed in a step leaves the step first.
    dp.message.outer_middleware(StepExitMiddleware())
    dp.message.middleware(access)
    dp.callback_query.middleware(access)
