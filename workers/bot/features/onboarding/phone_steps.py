"""The phone step: the own contact shared with the button, or the number typed (U4)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from shared.clients import ServiceClients, ValidationFailed
from shared.logs import get_logger
from workers.bot.core.approvals import ApprovalNotices
from workers.bot.core.auth import AuthContext
from workers.bot.core.gate import PUBLIC
from workers.bot.core.onboarding import BTN_TYPE_PHONE
from workers.bot.core.phone import normalize_contact_phone, normalize_typed_phone
from workers.bot.core.ui import cancel_keyboard, safe, text_button, tr
from workers.bot.features.onboarding import texts
from workers.bot.features.onboarding.replies import next_step, refusal
from workers.bot.features.onboarding.states import OWN_STATES, Onboarding

__all__ = ["router"]

log = get_logger(__name__)
router = Router(name="onboarding.phone")


@router.message(F.contact, OWN_STATES, flags=PUBLIC)
async def contact_shared(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    approvals: ApprovalNotices,
    locale: str,
) -> None:
    refused = refusal(auth)
    if refused is not None:
        await message.answer(tr(refused, locale))
        return
    assert message.contact is not None and message.from_user is not None and auth.user
    if message.contact.user_id != message.from_user.id:
        await message.answer(tr(texts.PHONE_NOT_OWN, locale))
        return
    phone = normalize_contact_phone(message.contact.phone_number)
    if phone is None:
        await message.answer(tr(texts.PHONE_INVALID, locale))
        return
    await _save_phone(message, phone, state, auth, clients, approvals, locale)


async def _save_phone(
    message: Message,
    phone: str,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    approvals: ApprovalNotices,
    locale: str,
) -> None:
    assert auth.user is not None
    try:
        await clients.users.set_phone(auth.user.id, phone)
    except ValidationFailed:
        await message.answer(tr(texts.PHONE_INVALID, locale))
        return
    await state.clear()
    await auth.reload()
    log.info("phone_saved", user_id=auth.user_id)
    # The last missing item may have been the phone: the managers hear of a complete profile.
    await approvals.announce(auth, clients, "phone")
    await next_step(
        message, auth, clients, locale, tr(texts.PHONE_SAVED, locale, phone=safe(phone))
    )


@router.message(text_button(BTN_TYPE_PHONE), OWN_STATES, flags={"command": "menu"})
async def type_phone(message: Message, state: FSMContext, auth: AuthContext, locale: str) -> None:
    refused = refusal(auth)
    if refused is not None:
        await message.answer(tr(refused, locale))
        return
    await state.set_state(Onboarding.phone)
    await message.answer(tr(texts.ASK_PHONE, locale), reply_markup=cancel_keyboard(locale))


@router.message(Onboarding.phone, F.text, flags=PUBLIC)
async def phone_typed(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    approvals: ApprovalNotices,
    locale: str,
) -> None:
    assert message.text is not None
    phone = normalize_typed_phone(message.text)
    if phone is None or auth.user is None:
        await message.answer(tr(texts.PHONE_INVALID, locale))
        return
    await _save_phone(message, phone, state, auth, clients, approvals, locale)


@router.message(Onboarding.phone, flags=PUBLIC)
async def phone_not_text(message: Message, locale: str) -> None:
    await message.answer(tr(texts.ASK_PHONE, locale))
