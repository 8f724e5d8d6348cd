"""The per-update callback the pipeline calls: raw bytes in, acknowledged or raised out.

``await processor(raw, meta)`` first decides what the update is (:mod:`.decode`, linear in its
size whatever is nested in it): a private chat's message or callback query is decoded into
aiogram's types (only the fields the bot reads, bound to the bot) and fed to the dispatcher; the
bot being added to a group or channel makes it say so and leave; every other update type and
chat type is acknowledged and counted (``bot_gateway_worker_updates_ignored{update_type,
chat_type}``) without reaching a handler. Then the failure policy applies
(:mod:`workers.bot.core.failures`):

- returns → the pipeline acknowledges the update (handled, unhandled, ignored, left, throttled,
  refused, permanently failed after the apology, undecodable bytes);
- raises :class:`~shared.errors.RetryAfter` → the pipeline parks the chat that long, no attempt
  used;
- raises anything else → the pipeline retries with backoff and the chat's later updates wait;
  on the last attempt the user is told the service is temporarily unavailable first.
"""

from __future__ import annotations

import html
import time
from typing import Any

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from pydantic import ValidationError

from shared.clients import request_id_scope, request_id_var
from shared.errors import LeaseLost
from shared.labels import HotCounters, HotHistograms
from shared.logs import context_vars, get_logger
from workers.bot.core.context import UpdateContext, UpdateMetaLike
from workers.bot.core.failures import classify, for_pipeline
from workers.bot.core.fsm import prefetched_fsm
from workers.bot.core.texts import APOLOGY, PRIVATE_ONLY, UNAVAILABLE, UNAVAILABLE_SUPPORT
from workers.bot.core.ui.errors import support_contact
from workers.bot.metrics.prom import (
    HANDLER_SECONDS,
    UPDATES_FAILED,
    UPDATES_IGNORED,
    UPDATES_PROCESSED,
    UPDATES_RETRIED,
)
from workers.bot.runtime.decode import Triage, triage
from workers.bot.runtime.factory import BotRuntime
from workers.bot.telegram.session import current_fence, current_run

__all__ = ["UpdateProcessor"]

log = get_logger("workers.update")
(_REQUEST_ID,) = context_vars("request_id")
# As in the features' apologies: a contact longer than this is cut, never the sentence.
SUPPORT_MAX = 100
# Updated from the event loop only: lock-free handles (shared.labels).
_handler_seconds = HotHistograms(HANDLER_SECONDS)
_processed = HotCounters(UPDATES_PROCESSED)
_ignored = HotCounters(UPDATES_IGNORED)
# The note a group or channel gets before the bot leaves it: no user, so no user's language.
_NOTE_LOCALES = ("ru", "uz")


class UpdateProcessor:
    def __init__(self, runtime: BotRuntime) -> None:
        from workers.bot.notifications.processor import OutboundProcessor

        self.runtime = runtime
        self._bot = runtime.bot
        self._dp = runtime.dispatcher
        self._prefetcher = runtime.prefetcher
        # Events and notifications share the lanes (and so the order) of updates.
        self.outbound = OutboundProcessor(runtime)

    async def __call__(self, raw: bytes, meta: UpdateMetaLike) -> None:
        if meta.update_id < 0 or meta.ordering_key.startswith("ev"):
            with request_id_scope(f"out-{meta.ordering_key}-{abs(meta.update_id)}"):
                await self.outbound(raw, meta.ordering_key, meta.update_id)
            return
        ctx = UpdateContext(meta.update_id, attempt=meta.attempt, max_attempts=meta.max_attempts)
        # The Bot API session checks it before each call (tasks the handler starts inherit it).
        fence_token = current_fence.set(getattr(meta, "fence", None))
        run_token = current_run.set(getattr(meta, "run", None) or None)
        # request_id_scope's work, without its generators and context scans: the id the service
        # clients send, and the log lines' request_id.
        request_id = f"upd-{meta.update_id}"
        request_token = request_id_var.set(request_id)
        log_token = _REQUEST_ID.set(request_id)
        try:
            await self._handle(raw, ctx, meta)
        finally:
            _REQUEST_ID.reset(log_token)
            request_id_var.reset(request_token)
            current_run.reset(run_token)
            current_fence.reset(fence_token)

    async def _handle(self, raw: bytes, ctx: UpdateContext, meta: UpdateMetaLike) -> None:
        decided = triage(raw)
        errors = 0
        if decided.fate == "bot":
            try:
                update = decided.update(self._bot)
            except ValidationError as exc:
                decided = Triage("invalid", decided.update_type, decided.chat_type)
                errors = exc.error_count()
            else:
                await self._process(update, ctx, meta)
                return
        ctx.update_type = decided.update_type
        if decided.fate == "invalid":
            # Ingest parsed it already, so this is a bug or a newer schema: never retried.
            ctx.outcome = "invalid"
            _processed(decided.update_type, "invalid").inc()
            log.error("update_undecodable", update_id=meta.update_id, errors=errors)
        elif decided.fate == "leave":
            await self._leave(decided, ctx)
        else:
            ctx.outcome = "ignored"
            _ignored(decided.update_type, decided.chat_type).inc()
            _processed(decided.update_type, "ignored").inc()
            log.info(
                "update_ignored",
                update_id=meta.update_id,
                update_type=decided.update_type,
                chat_type=decided.chat_type,
            )

    async def _leave(self, decided: Triage, ctx: UpdateContext) -> None:
        """The bot was added to a group or channel: a short note in both languages, then leave."""
        chat_id = decided.chat_id
        assert chat_id is not None
        note = "\n\n".join(
            self.runtime.i18n.gettext(PRIVATE_ONLY, locale=lc) for lc in _NOTE_LOCALES
        )
        try:
            await self._bot.send_message(chat_id, note)
        except Exception as exc:  # a channel where it may not post, already removed, …
            log.info("leave_note_not_sent", chat_type=decided.chat_type, error=type(exc).__name__)
        try:
            await self._bot.leave_chat(chat_id)
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            # Removed meanwhile, or the chat is gone: nothing left to leave.
            log.info("chat_not_left", chat_type=decided.chat_type, error=type(exc).__name__)
        except Exception as exc:
            ctx.outcome = "retry"
            UPDATES_RETRIED.labels(ctx.update_type, type(exc).__name__).inc()
            log.warning("chat_not_left", chat_type=decided.chat_type, error=type(exc).__name__)
            error = for_pipeline(exc)
            if error is exc:
                raise
            raise error from exc
        ctx.outcome = "left"
        _processed(decided.update_type, "left").inc()
        log.info("chat_left", update_id=ctx.update_id, chat_type=decided.chat_type)

    async def _process(self, update: Update, ctx: UpdateContext, meta: UpdateMetaLike) -> None:
        started = time.perf_counter()
        prefetched = None
        try:
            if self._prefetcher is not None:
                prefetched = await self._prefetcher.read(self._bot, self._dp, update)
            result = await self._dp.feed_update(
                self._bot, update, update_context=ctx, update_meta=meta, prefetched=prefetched
            )
            if isinstance(result, TelegramMethod):
                # A handler may answer "webhook style" by returning a method; there is no
                # webhook response to carry it, so it is sent as a call.
                await self._bot(result)
        except LeaseLost:
            # Another worker has this update now: no apology, no retry; the pipeline stops here.
            ctx.outcome = "retry"
            raise
        except Exception as exc:
            await self._on_failure(exc, update, ctx)
        finally:
            if prefetched is not None and prefetched.fsm_token is not None:
                prefetched_fsm.reset(prefetched.fsm_token)
            elapsed = time.perf_counter() - started
            _handler_seconds(ctx.update_type).observe(elapsed)
            self.runtime.metrics.record_update(ctx, elapsed * 1000)
        _processed(ctx.update_type, ctx.outcome or "handled").inc()

    async def _on_failure(self, exc: Exception, update: Update, ctx: UpdateContext) -> None:
        kind = classify(exc)
        ctx.error = type(exc).__name__
        if not ctx.logged:
            # Failed before the logging middleware (prefetch, aiogram's own middlewares).
            fields = {"update_id": ctx.update_id, "attempt": ctx.attempt, "error": ctx.error}
            if kind == "permanent":
                log.error("update", outcome="failed", exc_info=exc, **fields)
            else:
                log.warning("update", outcome="retry", reason=str(exc)[:200], **fields)
        if kind != "permanent":
            ctx.outcome = "retry"
            UPDATES_RETRIED.labels(ctx.update_type, ctx.error).inc()
            if kind == "transient" and ctx.last_attempt:
                await self._tell(update, ctx, UNAVAILABLE)
            error = for_pipeline(exc)
            if error is exc:
                raise exc
            raise error from exc
        ctx.outcome = "failed"
        UPDATES_FAILED.labels(ctx.update_type, ctx.error).inc()
        if not isinstance(exc, TelegramForbiddenError):  # the chat cannot be written to
            await self._tell(update, ctx, APOLOGY)

    async def _tell(self, update: Update, ctx: UpdateContext, text: str) -> None:
        """Best effort: a failure to apologise is logged, never raised over the real error."""
        message = self.runtime.i18n.gettext(text, locale=ctx.locale)
        if text == UNAVAILABLE and (support := await self._support_contact()):
            message = self.runtime.i18n.gettext(UNAVAILABLE_SUPPORT, locale=ctx.locale)
            message = message.format(support=html.escape(support[:SUPPORT_MAX]))
        # On a retry the first attempt answered the press already (and a second answer is
        # dropped as a duplicate without an error): the apology goes to the chat.
        if update.callback_query is not None and ctx.attempt == 1:
            try:
                await self._bot.answer_callback_query(
                    update.callback_query.id, text=message, show_alert=True
                )
                return
            except Exception as exc:
                # Already answered by the handler, or too old: say it in the chat instead.
                log.info("apology_alert_not_sent", error=type(exc).__name__)
        chat_id = ctx.chat_id if ctx.chat_id is not None else _chat_of(update)
        if chat_id is None:
            return
        try:
            await self._bot.send_message(chat_id, message)
        except Exception as exc:
            log.warning("apology_not_sent", error=type(exc).__name__)

    async def _support_contact(self) -> str | None:
        """The admin's support contact (gateway settings, cached); ``None`` when unset or unread."""
        return await support_contact(self._dp.workflow_data.get("gateway_settings"))


def _chat_of(update: Update) -> Any:
    message = update.message or update.edited_message
    if message is None and update.callback_query is not None:
        message = update.callback_query.message  # type: ignore[assignment]
    return message.chat.id if message is not None else None
