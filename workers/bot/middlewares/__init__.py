"""The bot's middlewares, outer → inner: logging, callback answer, rate limit, i18n, auth, access.

The callback-answer middleware gives every callback query its one answer within a deadline
(:mod:`.callback_answer`). It and the next four are outer middlewares of the ``update``
observer, after aiogram's own (errors, user context, FSM context), so they see every update
with ``event_from_user``/``event_chat`` resolved. Their Redis reads (and the FSM's) arrive in
``data["prefetched"]``, read in one round trip before dispatch
(:mod:`workers.bot.runtime.prefetch`); each interprets its own, or reads it itself when that is
absent.
:class:`StepExitMiddleware` is an outer middleware of the message observer: a command or a
main-menu button typed in a flow's step takes the chat out of the step before the filters run.
Access control is an inner middleware of the message and callback-query observers (it needs
the chosen handler's flags); :class:`HandlerNameMiddleware` is an inner middleware of every
observer, to name the handler in logs and metrics.
"""

from __future__ import annotations

from aiogram import Dispatcher
from aiogram.dispatcher.middlewares.error import ErrorsMiddleware

from workers.bot.middlewares.access import AccessMiddleware
from workers.bot.middlewares.auth import AuthMiddleware
from workers.bot.middlewares.callback_answer import CallbackAnswerMiddleware
from workers.bot.middlewares.i18n import I18nMiddleware
from workers.bot.middlewares.logging import HandlerNameMiddleware, LoggingMiddleware
from workers.bot.middlewares.ratelimit import RateLimitMiddleware
from workers.bot.middlewares.step_exit import StepExitMiddleware

__all__ = [
    "AccessMiddleware",
    "AuthMiddleware",
    "CallbackAnswerMiddleware",
    "HandlerNameMiddleware",
    "I18nMiddleware",
    "LoggingMiddleware",
    "RateLimitMiddleware",
    "StepExitMiddleware",
    "install",
]

_SKIP_INNER = frozenset({"update", "error"})


def install(
    dp: Dispatcher,
    *,
    ratelimit: RateLimitMiddleware,
    i18n: I18nMiddleware,
    auth: AuthMiddleware,
    access: AccessMiddleware,
    callback_answer: CallbackAnswerMiddleware | None = None,
) -> None:
    dp.update.outer_middleware(LoggingMiddleware())
    dp.update.outer_middleware(callback_answer or CallbackAnswerMiddleware(deadline=0.5))
    dp.update.outer_middleware(ratelimit)
    dp.update.outer_middleware(i18n)
    dp.update.outer_middleware(auth)
    # Innermost: errors a router's error handler answers (workers.bot.core.service_errors) are
    # answered inside the logging middleware, so they are logged as handled updates. aiogram's
    # own ErrorsMiddleware, outermost, still sees whatever nobody answered.
    dp.update.outer_middleware(ErrorsMiddleware(dp))
    names = HandlerNameMiddleware()
    for event, observer in dp.observers.items():
        if event not in _SKIP_INNER:
            observer.middleware(names)
    # Before any filter: a command or a menu button typed in a step leaves the step first.
    dp.message.outer_middleware(StepExitMiddleware())
    dp.message.middleware(access)
    dp.callback_query.middleware(access)
