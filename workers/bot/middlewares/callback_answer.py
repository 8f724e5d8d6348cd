"""Every callback query is answered first, within about 1 s of the press (docs/behaviour.md §4).

An outer middleware of the ``update`` observer, right after logging, so its deadline covers all
the slow work that may follow: the profile read of the auth middleware, the catalogue, the
handler's service calls. For a callback query it creates the query's one answer
(:class:`~workers.bot.core.ui.answers.QueryAnswer`) and makes it current for the update; every
answer given on the way (a handler's alert or toast, a refusal, the throttle, maintenance, the
stale-button alert) goes through :func:`~workers.bot.core.ui.answer_query` and so into it.

- Given in time, that answer is the one the user sees (an alert stays an alert).
- ``WORKER_CALLBACK_ANSWER_SECONDS`` after the update started with no answer yet, the query gets
  an empty one, so the button stops spinning while the handler waits on a slow service; what the
  handler then says as an alert reaches the chat as a message.
- When the update ends with no answer, it is answered empty, except after a failure the runtime
  apologises for (permanent, or the last attempt): its apology is then the answer.

aiogram's ``CallbackAnswerMiddleware`` answers either before the handler (no alert text possible)
or after it (however long that takes); neither keeps both promises, hence this one. Handlers set
no ``callback_answer`` flag: the deadline applies to every route.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import TelegramObject, Update

from workers.bot.core.context import UpdateContext
from workers.bot.core.failures import classify
from workers.bot.core.ui.answers import QueryAnswer, bind, unbind

__all__ = ["CallbackAnswerMiddleware", "Opened"]

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


@dataclass(slots=True)
class Opened:
    """A callback query's answer while its update runs (:meth:`CallbackAnswerMiddleware.open`)."""

    answer: QueryAnswer
    token: object  # bind's, for unbind
    timer: asyncio.TimerHandle | None


class CallbackAnswerMiddleware(BaseMiddleware):
    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        opened = self.open(event, data)
        if opened is None:
            return await handler(event, data)
        try:
            result = await handler(event, data)
        except Exception as exc:
            await self.failed(opened, exc, data)
            raise
        finally:
            unbind(opened.token)
        await self.finished(opened)
        return result

    # The steps, for GatewayMiddleware: open; then failed (and re-raise) or, once unbound, finished.

    def open(self, event: TelegramObject, data: dict[str, Any]) -> Opened | None:
        """Make the query's answer current and start its deadline; ``None``: not a query."""
        query = event.callback_query if isinstance(event, Update) else None
        if query is None:
            return None
        bot: Bot = data["bot"]
        answer = QueryAnswer.of(bot, query)
        data["query_answer"] = answer
        token = bind(answer)
        if self.deadline <= 0:
            answer.send_soon()
            timer = None
        else:
            timer = asyncio.get_running_loop().call_later(self.deadline, answer.send_soon)
        return Opened(answer, token, timer)

    async def failed(self, opened: Opened, exc: Exception, data: dict[str, Any]) -> None:
        """The update raised ``exc`` (the caller re-raises it; the answer is still bound)."""
        if opened.timer is not None:
            opened.timer.cancel()
        answer = opened.answer
        await answer.settle()
        if not answer.answered and not _runtime_apologises(exc, data):
            await _answer_quietly(answer)

    async def finished(self, opened: Opened) -> None:
        """The update returned (the answer is unbound): the empty answer if none was given."""
        if opened.timer is not None:
            opened.timer.cancel()
        answer = opened.answer
        await answer.settle()
        if not answer.answered:
            await answer.send()


def _runtime_apologises(exc: Exception, data: dict[str, Any]) -> bool:
    """Whether the runtime answers this failure with its apology alert (it then answers)."""
    if isinstance(exc, TelegramForbiddenError):
        return False
    ctx: UpdateContext | None = data.get("update_context")
    last = ctx.last_attempt if ctx is not None else True
    return classify(exc) == "permanent" or (classify(exc) == "transient" and last)


async def _answer_quietly(answer: QueryAnswer) -> None:
    """The empty answer while an error travels: a failure here must not hide that error."""
    try:
        await answer.send()
    except Exception:
        return
