"""The Bot API request middleware: pacing, 429 handling, retries of transient failures, 403.

Every request the bot makes passes through :class:`BotApiMiddleware` (an aiogram
``BaseRequestMiddleware`` on the bot's session):

- sends are paced by the shared Redis windows (:mod:`workers.bot.telegram.pacing`);
- a 429 is honoured exactly: wait ``retry_after`` seconds, then repeat. When the wait (added to what
  this call already waited) would pass the cap, :class:`~shared.errors.RetryAfter` is raised
  instead and the pipeline parks the chat for that long without using up an attempt;
- a 5xx, a network error, a timeout or an undecodable answer is repeated with jittered exponential
  backoff, up to ``retries`` times; then the error propagates and the failure policy retries the
  whole update later. Like every Bot API client, this is at-least-once: a send whose answer was
  lost may be delivered twice, since the Bot API has no idempotency keys;
- a 403 ("bot was blocked by the user", "user is deactivated", "bot was kicked") is final: the
  chat's sessions are marked inactive and the error propagates unchanged (no retry);
- every request (and every repeat of one) is fenced: when the update being handled came with a
  fence (:data:`current_fence`, set by the runtime for the update's task) and it says this worker
  no longer holds the chat's lease, the call is not made and :class:`~shared.errors.LeaseLost`
  is raised. A worker stalled past its lease (GC, SIGSTOP) and resumed would otherwise repeat
  side effects the worker that took the chat over makes too;
- a callback query is answered by one run of its update only: with a Redis client given, the
  answer is claimed for the run (:data:`current_run`) in ``<prefix>:cbq:<id>`` and marked sent
  once Telegram took it. A run that finds another run's answer marked sent skips its own (the
  update redone by another worker after a stall, when the first answer had gone out but the ack
  had not; or a later attempt) — Telegram would refuse it anyway, failing the update. A claim
  never marked sent is taken over, so a stop before the send loses no answer. A second answer
  within the same run goes to Telegram as before.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import AnswerCallbackQuery, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from redis.asyncio import Redis

from shared.backoff import exponential_backoff
from shared.errors import LeaseLost, RetryAfter
from shared.labels import HotCounters, HotHistograms
from shared.logs import get_logger
from workers.bot.metrics.prom import API_CALLS, API_DURATION, API_RETRIES, API_RETRY_AFTER
from workers.bot.telegram.pacing import PACED_METHODS, Pacer

__all__ = [
    "BotApiMiddleware",
    "Fence",
    "OnChatUnreachable",
    "backoff_delay",
    "current_fence",
    "current_run",
    "status_label",
]

log = get_logger(__name__)
# Updated from the event loop only: lock-free handles (shared.labels).
_api_duration = HotHistograms(API_DURATION)
_api_calls = HotCounters(API_CALLS)

OnChatUnreachable = Callable[[int | str], Awaitable[None]]
Fence = Callable[[], Awaitable[bool]]
# The fence of the update this task is handling (None outside an update: start-up, cron jobs).
current_fence: ContextVar[Fence | None] = ContextVar("bot_api_fence", default=None)
# Which run of which update this task is handling (None outside an update).
current_run: ContextVar[str | None] = ContextVar("bot_api_run", default=None)
# Telegram keeps a callback query answerable for minutes; the claim outlives that comfortably.
CALLBACK_CLAIM_SECONDS = 3600

_BASE_DELAY = 0.2
_MAX_DELAY = 5.0


def backoff_delay(attempt: int) -> float:
    """Full-jitter exponential backoff: uniform in [0, min(cap, base·2^attempt)]."""
    return exponential_backoff(attempt + 1, base=_BASE_DELAY, cap=_MAX_DELAY, jitter=(0.0, 1.0))


_STATUS_BY_CLASS: tuple[tuple[type[Exception], str], ...] = (
    (TelegramRetryAfter, "429"),
    (TelegramEntityTooLarge, "413"),
    (TelegramNetworkError, "network"),
    (TelegramBadRequest, "400"),
    (TelegramUnauthorizedError, "401"),
    (TelegramForbiddenError, "403"),
    (TelegramNotFound, "404"),
    (TelegramConflictError, "409"),
    (TelegramServerError, "5xx"),
    (ClientDecodeError, "bad_response"),
)


def status_label(exc: BaseException) -> str:
    for cls, label in _STATUS_BY_CLASS:
        if isinstance(exc, cls):
            return label
    return "error"


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, TelegramEntityTooLarge):  # a 413 stays a 413, however often it is sent
        return False
    return isinstance(exc, TelegramServerError | TelegramNetworkError | ClientDecodeError)


def _chat_id(method: TelegramMethod[Any]) -> int | str | None:
    chat_id = getattr(method, "chat_id", None)
    return chat_id if isinstance(chat_id, int | str) else None


class BotApiMiddleware(BaseRequestMiddleware):
    def __init__(
        self,
        *,
        pacer: Pacer | None,
        retry_after_cap: float,
        retries: int,
        on_unreachable: OnChatUnreachable | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        answers: Redis | None = None,
        key_prefix: str = "bgw",
    ) -> None:
        self._answers = answers
        self._answer_prefix = f"{key_prefix}:cbq:"
        self._pacer = pacer
        self._cap = retry_after_cap
        self._retries = retries
        self._on_unreachable = on_unreachable
        self._sleep = sleep

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        run = current_run.get()
        if (
            self._answers is not None
            and run is not None
            and isinstance(method, AnswerCallbackQuery)
        ):
            return await self._answer_once(make_request, bot, method, run)
        return await self._call(make_request, bot, method, name)

    async def _answer_once(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
        run: str,
    ) -> Response[TelegramType]:
        """Answer unless another run already did (its answer is marked ``sent:<run>``).

        A claim by another run that is not marked sent is taken over: that run stopped before
        (or while) sending and this one holds the chat's lease now; only an answer in flight at
        that moment can still go out twice, never one that was marked.
        """
        assert self._answers is not None and isinstance(method, AnswerCallbackQuery)
        key = self._answer_prefix + method.callback_query_id
        name = method.__api_method__
        mine, done = run, f"sent:{run}"
        if not await self._answers.set(key, mine, nx=True, ex=CALLBACK_CLAIM_SECONDS):
            raw = await self._answers.get(key)
            owner = raw.decode() if raw is not None else ""
            if owner.startswith("sent:") and owner != done:
                API_CALLS.labels(name, "already_answered").inc()
                log.info("callback_already_answered", method=name)
                return Response[TelegramType](ok=True, result=True)
            if owner != done:
                await self._answers.set(key, mine, ex=CALLBACK_CLAIM_SECONDS)
        try:
            response = await self._call(make_request, bot, method, name)
        except BaseException:
            # Not answered (or not known to be): a later run may answer it. Only our own claim
            # is given back (a fenced zombie must not drop the new holder's).
            await asyncio.shield(self._release_claim(key, mine))
            raise
        await self._answers.set(key, done, ex=CALLBACK_CLAIM_SECONDS)
        return response

    async def _release_claim(self, key: str, mine: str) -> None:
        assert self._answers is not None
        if await self._answers.get(key) == mine.encode():
            await self._answers.delete(key)

    async def _call(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
        name: str,
    ) -> Response[TelegramType]:
        chat_id = _chat_id(method)
        started = time.monotonic()
        try:
            if self._pacer is not None and chat_id is not None and name in PACED_METHODS:
                await self._pacer.acquire(chat_id)
            return await self._send(make_request, bot, method, name, chat_id, started)
        finally:
            _api_duration(name).observe(time.monotonic() - started)

    async def _send(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
        name: str,
        chat_id: int | str | None,
        started: float,
    ) -> Response[TelegramType]:
        failures = 0
        while True:
            fence = current_fence.get()
            if fence is not None and not await fence():
                API_CALLS.labels(name, "fenced").inc()
                log.warning("bot_api_call_fenced", method=name)
                raise LeaseLost(f"Bot API {name}: the chat's lease is gone; call dropped")
            try:
                response = await make_request(bot, method)
            except TelegramRetryAfter as exc:
                API_CALLS.labels(name, "429").inc()
                waited = time.monotonic() - started
                if waited + exc.retry_after > self._cap:
                    API_RETRY_AFTER.labels(name, "handed_back").inc()
                    log.warning("bot_api_429", method=name, retry_after=exc.retry_after)
                    raise RetryAfter(exc.retry_after, f"Bot API {name}: 429") from exc
                API_RETRY_AFTER.labels(name, "waited").inc()
                await self._sleep(exc.retry_after)
                continue
            except TelegramForbiddenError as exc:
                API_CALLS.labels(name, "403").inc()
                if chat_id is not None and self._on_unreachable is not None:
                    log.info("chat_unreachable", method=name, reason=exc.message[:80])
                    await self._on_unreachable(chat_id)
                raise
            except TelegramAPIError as exc:
                API_CALLS.labels(name, status_label(exc)).inc()
                if not _transient(exc) or failures >= self._retries:
                    raise
                failures += 1
                API_RETRIES.labels(name).inc()
                await self._sleep(backoff_delay(failures))
                continue
            except ClientDecodeError:
                API_CALLS.labels(name, "bad_response").inc()
                if failures >= self._retries:
                    raise
                failures += 1
                API_RETRIES.labels(name).inc()
                await self._sleep(backoff_delay(failures))
                continue
            _api_calls(name, "200").inc()
            return response
