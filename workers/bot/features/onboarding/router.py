"""/start, invites, resident/employee, phone and apartment: getting a user to "pending review".

/start always clears the FSM first. Then: a ``join_<token>`` payload joins by invite (U19, at
most 5 attempts per 15 minutes); a first visit registers (U2) and asks resident or employee; a
known user is greeted by status (blocked: the notice and no keyboard; approved: welcome and the
menu; pending: the keyboard of the missing steps, or "under review").
"""

from __future__ import annotations

import math

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.types import User as TelegramUser
from redis.asyncio import Redis

from shared.clients import Gone, ServiceClients, ServiceNotFound
from shared.logs import get_logger
from shared.settings import Settings
from workers.bot.core.approvals import ApprovalNotices
from workers.bot.core.auth import AuthContext
from workers.bot.core.gate import PUBLIC, command
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.onboarding import missing_items, prompt_for
from workers.bot.core.ui import (
    answer_stale,
    blocked_notice,
    cancel_keyboard,
    edit_or_send,
    error_message,
    role_label,
    safe,
    specialization_label,
    tr,
)
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.onboarding import apartment_steps, phone_steps, texts
from workers.bot.features.onboarding.invites import consume_key, ensure_user, parse_invite
from workers.bot.features.onboarding.keyboards import WhoCB
from workers.bot.features.onboarding.limits import JoinLimiter
from workers.bot.features.onboarding.replies import greet, next_step
from workers.bot.features.onboarding.states import Onboarding

__all__ = ["router"]

log = get_logger(__name__)
router = Router(name="onboarding")
# The steps after /start, tried after its own handlers (their order among them does not matter).
router.include_router(phone_steps.router)
router.include_router(apartment_steps.router)


# -- /start ----------------------------------------------------------------------------------


@router.message(CommandStart(), flags=command("start"))
async def start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    redis: Redis,
    app_settings: Settings,
    event_from_user: TelegramUser,
    gateway_settings: GatewaySettingsStore,
    approvals: ApprovalNotices,
    locale: str,
) -> None:
    await state.clear()
    if auth.status == "blocked":
        notice = await blocked_notice(gateway_settings, locale)
        await message.answer(notice, reply_markup=ReplyKeyboardRemove())
        return
    payload = (command.args or "").strip()
    if payload.startswith("join_"):
        limiter = JoinLimiter(redis, app_settings.redis.key_prefix)
        await _join(
            message, payload, state, auth, clients, limiter, event_from_user, approvals, locale
        )
        return
    await ensure_user(auth, clients, event_from_user, locale)
    await greet(message, auth, clients, locale)


# -- invites ---------------------------------------------------------------------------------


async def _join(
    message: Message,
    text: str,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    limiter: JoinLimiter,
    sender: TelegramUser,
    approvals: ApprovalNotices,
    locale: str,
) -> bool:
    """Join by the invite in ``text``; True when it worked."""
    wait = await limiter.hit(sender.id)
    if wait is not None:
        log.info("join_limited", telegram_id=sender.id)
        await message.answer(tr(texts.JOIN_LIMITED, locale, minutes=math.ceil(wait / 60)))
        return False
    token = parse_invite(text)
    user = await ensure_user(auth, clients, sender, locale)
    if token is None:
        await message.answer(
            error_message(ServiceNotFound("user", "invite", 404, "invite_invalid"))
        )
        return False
    try:
        joined = await clients.users.consume_invite(
            token, user.id, idempotency_key=consume_key(token, user.id)
        )
    except (ServiceNotFound, Gone) as exc:
        log.info("join_refused", user_id=user.id, code=exc.code)
        await message.answer(error_message(exc))
        return False
    await state.clear()
    await auth.reload()
    log.info("joined_by_invite", user_id=user.id, role=joined.role)
    # Staff need only a phone: one given before the invite completes the profile now.
    await approvals.announce(auth, clients, f"invite:{joined.role}")
    lines = [tr(texts.JOINED, locale, role=safe(role_label(joined.role, locale)))]
    if joined.role == "executor" and joined.specializations:
        names = ", ".join(specialization_label(s, locale) for s in joined.specializations)
        lines.append(tr(ui_texts.PROFILE_SPECIALIZATIONS, locale, specializations=safe(names)))
    await next_step(message, auth, clients, locale, "\n".join(lines))
    return True


@router.callback_query(WhoCB.filter(), flags={"command": "start"})
async def who_chosen(
    query: CallbackQuery,
    callback_data: WhoCB,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    locale: str,
) -> None:
    if auth.user is None or auth.status != "pending" or callback_data.who not in ("r", "e"):
        await answer_stale(query)
        return
    if not isinstance(query.message, Message):
        return
    if callback_data.who == "e":
        await edit_or_send(query, tr(texts.CHOSE_EMPLOYEE, locale))
        await state.set_state(Onboarding.invite_code)
        await query.message.answer(
            tr(texts.ASK_INVITE, locale), reply_markup=cancel_keyboard(locale)
        )
        return
    await state.clear()
    await edit_or_send(query, tr(texts.CHOSE_RESIDENT, locale))
    missing = await missing_items(auth.user, clients)
    if missing.any:
        prompt = prompt_for(missing, locale)
        await query.message.answer(prompt.text, reply_markup=prompt.markup)
    else:
        await query.message.answer(
            tr(texts.UNDER_REVIEW, locale), reply_markup=ReplyKeyboardRemove()
        )


@router.message(Onboarding.invite_code, F.text, flags=PUBLIC)
async def invite_code(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    redis: Redis,
    app_settings: Settings,
    event_from_user: TelegramUser,
    approvals: ApprovalNotices,
    locale: str,
) -> None:
    assert message.text is not None
    if parse_invite(message.text) is None:
        await message.answer(tr(texts.INVITE_FORMAT, locale))
        return
    limiter = JoinLimiter(redis, app_settings.redis.key_prefix)
    await _join(
        message, message.text, state, auth, clients, limiter, event_from_user, approvals, locale
    )


@router.message(Onboarding.invite_code, flags=PUBLIC)
async def invite_code_not_text(message: Message, locale: str) -> None:
    await message.answer(tr(texts.ASK_INVITE, locale))
