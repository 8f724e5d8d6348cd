"""The one answer of a callback query, whoever gives it.

Telegram takes one ``answerCallbackQuery`` per query and refuses a late one, and the user's button
spins until it comes. :class:`QueryAnswer` is that answer for the update being handled: the
callback-answer middleware (:mod:`workers.bot.middlewares.callback_answer`) creates it and gives
it a deadline; whatever answers the query (a handler's alert or toast, a refusal, the throttle,
the maintenance gate) goes through :func:`answer_query`, which finds it in a context variable.

- The first answer wins and is sent at once.
- Before the first visible Bot API call of the update (an edit, a new message), an unanswered query
  gets its empty answer (:class:`AnswerFirst`, a middleware of the Bot API session): the user sees
  the button answered before anything the press changes, so handlers never answer just to be
  first.
- A later answer with an alert text cannot be a second answer (Telegram would refuse it), so the
  text goes to the chat as a message: the user still reads it. A later toast or empty answer is
  dropped: the button stopped spinning already.
- "query is too old" (a retried update whose first attempt answered, or an answer after Telegram's
  window) counts as answered; an alert then goes to the chat the same way.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from typing import TYPE_CHECKING

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import CallbackQuery, Message

from shared.logs import get_logger

if TYPE_CHECKING:
    from aiogram import Bot

__all__ = ["AnswerFirst", "QueryAnswer", "answer_query", "current_answer", "is_query_too_old"]

log = get_logger(__name__)

_current: ContextVar[QueryAnswer | None] = ContextVar("callback_query_answer", default=None)


def is_query_too_old(exc: TelegramBadRequest) -> bool:
    return "query is too old" in exc.message or "query ID is invalid" in exc.message


class QueryAnswer:
    """The answer of one callback query; see the module docstring."""

    __slots__ = ("_bot", "_chat_id", "_own_call", "_sending", "answered", "query_id")

    def __init__(self, bot: Bot, query_id: str, chat_id: int | None) -> None:
        self._bot = bot
        self.query_id = query_id
        self._chat_id = chat_id
        self.answered = False
        self._own_call = False  # our answer is on its way (not a handler's direct call)
        self._sending: asyncio.Task[bool] | None = None

    @classmethod
    def of(cls, bot: Bot, query: CallbackQuery) -> QueryAnswer:
        message = query.message
        chat_id = message.chat.id if isinstance(message, Message) else None
        return cls(bot, query.id, chat_id)

    async def send(self, text: str | None = None, *, show_alert: bool = False) -> bool:
        """Answer now; ``False`` when it was answered already (an alert then goes to the chat)."""
        if self.answered:
            await self._late(text, show_alert)
            return False
        # Set before the first await: a concurrent caller (the deadline) sees it at once.
        self.answered = True
        self._own_call = True
        try:
            await self._bot.answer_callback_query(self.query_id, text=text, show_alert=show_alert)
        except TelegramBadRequest as exc:
            if not is_query_too_old(exc):
                raise
            log.info("callback_query_already_answered")
            await self._late(text, show_alert)
            return False
        except BaseException:
            self.answered = False  # not delivered: the next caller may try again
            raise
        finally:
            self._own_call = False
        return True

    async def direct(self, method: AnswerCallbackQuery) -> bool:
        """A handler answering the query itself (``query.answer(...)``): ``True`` when that call
        should go out; after another answer it is dropped (its alert goes to the chat)."""
        if self._own_call or method.callback_query_id != self.query_id:
            return True
        if self.answered:
            await self._late(method.text, bool(method.show_alert))
            return False
        self.answered = True
        return True

    def send_soon(self) -> None:
        """The empty answer, started now and not awaited (the deadline's answer)."""
        if not self.answered and self._sending is None:
            self._sending = asyncio.create_task(self._quiet_send(), name="callback-answer")

    async def settle(self) -> None:
        """Wait for an answer :meth:`send_soon` started, if any."""
        if self._sending is not None:
            await asyncio.shield(self._sending)

    async def _quiet_send(self) -> bool:
        try:
            return await self.send()
        except Exception as exc:
            # The handler goes on; the middleware tries again when it ends.
            log.warning("callback_answer_failed", error=type(exc).__name__)
            return False

    async def _late(self, text: str | None, show_alert: bool) -> None:
        if text and show_alert and self._chat_id is not None:
            await self._bot.send_message(self._chat_id, text, parse_mode=None)


def current_answer() -> QueryAnswer | None:
    return _current.get()


def bind(answer: QueryAnswer | None) -> object:
    """Make ``answer`` the current one (the middleware); returns a token for :func:`unbind`."""
    return _current.set(answer)


def unbind(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


async def answer_query(
    query: CallbackQuery, text: str | None = None, *, show_alert: bool = False
) -> bool:
    """Answer ``query`` once; ``False`` when it was answered already (see the module docstring).

    Outside the middleware (a test calling a handler directly) the query is answered as is, and a
    second answer's refusal is tolerated the same way.
    """
    current = _current.get()
    if current is None or current.query_id != query.id:
        bot = query.bot
        if bot is None:
            return False
        current = QueryAnswer.of(bot, query)
    return await current.send(text, show_alert=show_alert)


# Calls the user sees in the chat (a command menu update or a file download is not one of them).
_VISIBLE = ("send", "edit", "delete", "copy", "forward")


class AnswerFirst(BaseRequestMiddleware):
    """Bot API session middleware: the current query's answer goes before any other call."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        current = _current.get()
        if (
            current is not None
            and isinstance(method, AnswerCallbackQuery)
            and not await current.direct(method)
        ):
            return Response[TelegramType](ok=True, result=True)
        if (
            current is not None
            and not current.answered
            and method.__api_method__.startswith(_VISIBLE)
        ):
            try:
                await current.send()
            except Exception as exc:
                # The call the handler is making matters more than the empty answer.
                log.warning("callback_answer_failed", error=type(exc).__name__)
        return await make_request(bot, method)
