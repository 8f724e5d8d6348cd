"""Fallback (the last router): stale or unknown buttons and messages nobody handled.

- a callback query no feature took (its data does not parse, its flow's state is gone, the
  feature is no more): the short "outdated" alert, its one answer; counted by prefix;
- a message in a private chat: blocked users get the blocked notice, unregistered ones "send
  /start", a mid-flow message the flow did not take "follow the prompt or /cancel", an unknown
  command "no such command", anything else the hint to use the menu or /help.

Messages in groups are left alone: the bot must not answer every line of a group chat.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from prometheus_client import Counter

from shared.logs import get_logger
from workers.bot.core.auth import AuthContext
from workers.bot.core.gate import PUBLIC
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.texts import NOT_REGISTERED
from workers.bot.core.ui import answer_stale, blocked_notice, tr
from workers.bot.features.fallback import texts

__all__ = ["STALE_CALLBACKS", "router"]

log = get_logger(__name__)
router = Router(name="fallback")

STALE_CALLBACKS = Counter(
    "bot_stale_callbacks_total",
    "Callback queries no handler took (stale or unparsable buttons), by data prefix",
    ["prefix"],
)


def _prefix(data: str | None) -> str:
    head = (data or "").split(":", 1)[0]
    # Bounded label values: a known-looking short prefix, else "other".
    return head if head.isalnum() and len(head) <= 8 else "other"


@router.callback_query(flags=PUBLIC)
async def stale_callback(query: CallbackQuery) -> None:
    prefix = _prefix(query.data)
    STALE_CALLBACKS.labels(prefix).inc()
    log.info("stale_callback", prefix=prefix)
    await answer_stale(query)


@router.message(F.chat.type == ChatType.PRIVATE, flags=PUBLIC)
async def unhandled_message(
    message: Message,
    state: FSMContext,
    locale: str,
    auth: AuthContext | None = None,
    gateway_settings: GatewaySettingsStore | None = None,
) -> None:
    if auth is not None and auth.status == "blocked":
        notice = await blocked_notice(gateway_settings, locale)
        await message.answer(notice, reply_markup=ReplyKeyboardRemove())
        return
    if auth is None or auth.user is None:
        await message.answer(tr(NOT_REGISTERED, locale))
        return
    if await state.get_state() is not None:
        await message.answer(tr(texts.HINT_IN_FLOW, locale))
        return
    if message.text and message.text.startswith("/"):
        await message.answer(tr(texts.UNKNOWN_COMMAND, locale))
        return
    await message.answer(tr(texts.HINT_IDLE, locale))
