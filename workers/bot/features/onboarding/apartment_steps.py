"""The apartment step: yard → building → apartment in one message, then the link (U12)."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from shared.clients import ServiceClients, ServiceConflict
from shared.logs import get_logger
from workers.bot.core.approvals import ApprovalNotices, link_cause
from workers.bot.core.auth import AuthContext
from workers.bot.core.onboarding import BTN_SELECT_APARTMENT
from workers.bot.core.ui import (
    answer_stale,
    edit_or_send,
    link_status,
    safe,
    text_button,
    tr,
)
from workers.bot.features.onboarding import picker, texts
from workers.bot.features.onboarding.keyboards import ApCB
from workers.bot.features.onboarding.replies import after_apartment, refusal
from workers.bot.features.onboarding.states import OWN_STATES

__all__ = ["router"]

log = get_logger(__name__)
router = Router(name="onboarding.apartment")


@router.message(text_button(BTN_SELECT_APARTMENT), OWN_STATES, flags={"command": "menu"})
async def select_apartment(
    message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients, locale: str
) -> None:
    refused = refusal(auth)
    if refused is not None:
        await message.answer(tr(refused, locale))
        return
    await state.clear()
    view = await picker.yards_view(clients, 1, locale)
    await message.answer(view.text, reply_markup=view.markup)


@router.callback_query(ApCB.filter(), flags={"command": "menu"})
async def picker_step(
    query: CallbackQuery,
    callback_data: ApCB,
    auth: AuthContext,
    clients: ServiceClients,
    approvals: ApprovalNotices,
    locale: str,
) -> None:
    if auth.user is None or auth.status == "blocked" or callback_data.a not in "ybasc":
        await answer_stale(query)
        return
    at = callback_data
    if at.a == "c":
        await _confirm_apartment(query, at, auth, clients, approvals, locale)
        return
    view: picker.View | None
    if at.a == "y":
        view = await picker.yards_view(clients, at.p, locale)
    elif at.a == "b":
        view = await picker.buildings_view(clients, at, locale)
    elif at.a == "a":
        view = await picker.apartments_view(clients, at, locale)
    else:
        view = await picker.confirm_view(clients, at, locale)
    if view is None:
        await answer_stale(query)
        return
    await edit_or_send(query, view.text, view.markup)


async def _confirm_apartment(
    query: CallbackQuery,
    at: ApCB,
    auth: AuthContext,
    clients: ServiceClients,
    approvals: ApprovalNotices,
    locale: str,
) -> None:
    assert auth.user is not None
    names = await picker.names_of(clients, at)
    if names is None:
        await answer_stale(query)
        return
    try:
        link = await clients.users.request_apartment(
            auth.user.id, at.apt, idempotency_key=f"apt:{auth.user.id}:{at.apt}"
        )
    except ServiceConflict as exc:
        status = link_status(exc.current_status, locale)
        await edit_or_send(query, tr(texts.APARTMENT_EXISTS, locale, status=status))
        return
    log.info("apartment_requested", user_id=auth.user_id, apartment_id=at.apt)
    # A pending user's profile may be complete now, or an approved user asks for another link:
    # the managers are told (before the answer, so a retried update tells them once).
    await approvals.announce(auth, clients, link_cause(link), link)
    done = tr(
        texts.APARTMENT_SENT,
        locale,
        yard=safe(names.yard, 64),
        building=safe(names.building, 128),
        number=safe(names.number, 16),
    )
    await edit_or_send(query, done)
    if isinstance(query.message, Message):
        await after_apartment(query.message, auth, clients, locale)
