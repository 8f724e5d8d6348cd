"""The update observer's one outer middleware: aiogram's own three, then ours, in one layer.

What used to be nine outer middlewares of the ``update`` observer, outer → inner:

1. aiogram's ``ErrorsMiddleware``: what nobody answered goes to the routers' error handlers;
2. aiogram's ``UserContextMiddleware``: ``event_context``, ``event_from_user``, ``event_chat``,
   ``event_thread_id``;
3. aiogram's ``FSMContextMiddleware``: ``fsm_storage``, ``state``, ``raw_state`` (under the
   events-isolation lock when there is one);
4. logging (:mod:`.logging`), 5. the callback answer (:mod:`.callback_answer`), 6. the rate limit
   (:mod:`.ratelimit`), 7. i18n (:mod:`.i18n`), 8. auth (:mod:`.auth`);
9. ``ErrorsMiddleware`` again, innermost: an error a router's error handler answers is answered
   inside the logging step, so it is logged as a handled update.

:class:`GatewayMiddleware` runs the same steps in the same order with the same ``data``, as
plain calls in two coroutines. Every aiogram middleware layer costs a ``functools.partial`` and a
coroutine per update, and the user context and FSM context are resolved already by the prefetch
(:mod:`workers.bot.runtime.prefetch`), which hands them over in ``data["prefetched"]``. Each step
keeps its own middleware class, which runs it alone (as the tests of a step may).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from aiogram import BaseMiddleware, Dispatcher
from aiogram.dispatcher.event.bases import UNHANDLED, CancelHandler, SkipHandler
from aiogram.dispatcher.middlewares.user_context import (
    EVENT_CHAT_KEY,
    EVENT_CONTEXT_KEY,
    EVENT_FROM_USER_KEY,
    EVENT_THREAD_ID_KEY,
    EventContext,
    UserContextMiddleware,
)
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.memory import DisabledEventIsolation
from aiogram.types import TelegramObject, Update
from aiogram.types.error_event import ErrorEvent

from workers.bot.core.ui.answers import unbind
from workers.bot.middlewares.auth import AuthMiddleware
from workers.bot.middlewares.callback_answer import CallbackAnswerMiddleware
from workers.bot.middlewares.i18n import I18nMiddleware
from workers.bot.middlewares.logging import begin_update, end_update, update_done, update_failed
from workers.bot.middlewares.ratelimit import RateLimitMiddleware

__all__ = ["GatewayMiddleware"]

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
_NO_LOCK = contextlib.nullcontext()


class GatewayMiddleware(BaseMiddleware):
    def __init__(
        self,
        dp: Dispatcher,
        *,
        callback_answer: CallbackAnswerMiddleware,
        ratelimit: RateLimitMiddleware,
        i18n: I18nMiddleware,
        auth: AuthMiddleware,
    ) -> None:
        self.dp = dp
        self.fsm = dp.fsm
        isolation = dp.fsm.events_isolation
        self._isolation = None if isinstance(isolation, DisabledEventIsolation) else isolation
        self.callback_answer = callback_answer
        self.ratelimit = ratelimit
        self.i18n = i18n
        self.auth = auth

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            if not isinstance(event, Update):
                raise RuntimeError("UserContextMiddleware got an unexpected event type!")
            prefetched = data.get("prefetched")
            # aiogram's UserContextMiddleware (its keys, only those that are known).
            context: EventContext | None = (
                prefetched.event_context if prefetched is not None else None
            )
            if context is None:
                context = UserContextMiddleware.resolve_event_context(event)
            data[EVENT_CONTEXT_KEY] = context
            if context.user is not None:
                data[EVENT_FROM_USER_KEY] = context.user
            if context.chat is not None:
                data[EVENT_CHAT_KEY] = context.chat
            if context.thread_id is not None:
                data[EVENT_THREAD_ID_KEY] = context.thread_id
            # aiogram's FSMContextMiddleware.
            data["fsm_storage"] = self.fsm.storage
            state: FSMContext | None = (
                prefetched.fsm
                if prefetched is not None and prefetched.event_context is not None
                else self.fsm.resolve_event_context(data["bot"], data)
            )
            if state is None:
                return await self._ours(handler, event, data)
            lock = _NO_LOCK if self._isolation is None else self._isolation.lock(key=state.key)
            async with lock:
                data.update({"state": state, "raw_state": await state.get_state()})
                return await self._ours(handler, event, data)
        except (SkipHandler, CancelHandler):
            raise
        except Exception as exc:
            # aiogram's ErrorsMiddleware, outermost.
            response = await self._error_handlers(event, exc, data)
            if response is not UNHANDLED:
                return response
            raise

    async def _ours(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Logging → callback answer → rate limit → i18n → auth → errors → the handlers."""
        ctx, tokens = begin_update(event, data)
        started = time.perf_counter()
        failure: Exception | None = None
        try:
            opened = self.callback_answer.open(event, data)
            try:
                if await self.ratelimit.refused(event, data):
                    result = None
                else:
                    locale = await self.i18n.resolve(data)
                    i18n = self.i18n.i18n
                    with i18n.context(), i18n.use_locale(locale):
                        await self.auth.authenticate(event, data)
                        try:
                            result = await handler(event, data)
                        except (SkipHandler, CancelHandler):
                            raise
                        except Exception as exc:
                            # aiogram's ErrorsMiddleware, innermost.
                            result = await self._error_handlers(event, exc, data)
                            if result is UNHANDLED:
                                raise
            except Exception as exc:
                if opened is not None:
                    await self.callback_answer.failed(opened, exc, data)
                raise
            finally:
                if opened is not None:
                    unbind(opened.token)
            if opened is not None:
                await self.callback_answer.finished(opened)
        except Exception as exc:
            failure = exc
            update_failed(ctx, exc)
            raise
        else:
            update_done(ctx, result)
            return result
        finally:
            end_update(ctx, tokens, started, failure)

    async def _error_handlers(
        self, event: TelegramObject, exc: Exception, data: dict[str, Any]
    ) -> Any:
        return await self.dp.propagate_event(
            update_type="error",
            event=ErrorEvent(update=cast(Update, event), exception=exc),
            **data,
        )
