"""Return: the card's **Return** → a reason (3..1000 characters) → optional media (≤ 5) →
a summary → R10 with ``draft:<draft_id>``.

Like request creation, the summary's Send is accepted only in the confirm state and for the
current draft, the state is cleared only after R10 succeeded, and a transient failure leaves
the draft for another try. When the request moved on meanwhile (``409``), the draft can never
succeed: it is dropped and the fresh card is shown.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, Update

from shared.clients import ServiceClients
from shared.clients.errors import ServiceConflict, ServiceError
from shared.logs import get_logger
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.cards import with_captions
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.requests import texts as request_texts
from workers.bot.features.requests.acceptance import texts
from workers.bot.features.requests.acceptance.drafts import (
    ReturnDraft,
    load_return,
    new_return,
    save_return,
)
from workers.bot.features.requests.acceptance.keyboards import ReturnCb
from workers.bot.features.requests.acceptance.listing import FLAGS
from workers.bot.features.requests.acceptance.render import (
    REASON_MAX,
    REASON_MIN,
    media_done_markup,
    media_prompt,
    media_step_markup,
    summary_markup,
    summary_text,
)
from workers.bot.features.requests.acceptance.states import ReturnFlow
from workers.bot.features.requests.card import actionable, show_card
from workers.bot.features.requests.card_data import load_card
from workers.bot.features.requests.keyboards import Back, CardCb
from workers.bot.features.requests.media import media_step
from workers.bot.features.requests.replies import answer_stale
from workers.bot.features.requests.support import chat_of, draft_or_lost, text_within

__all__ = ["router"]

log = get_logger(__name__)
router = Router(name="acceptance.return")


@router.callback_query(CardCb.filter(F.act == "ret"), flags=FLAGS)
async def on_return(
    query: CallbackQuery,
    callback_data: CardCb,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    bot: Bot,
    event_update: Update,
) -> None:
    view = await actionable(query, callback_data, auth, clients, frozenset({"confirmed"}))
    if view is None:
        return
    number = callback_data.number
    draft = new_return(query.from_user.id, event_update.update_id, number, callback_data.ver)
    await state.set_state(ReturnFlow.reason)
    await state.set_data({})
    await save_return(state, draft)
    text = ui.tr(texts.ASK_REASON, number=ui.escape(number), min=REASON_MIN, max=REASON_MAX)
    await bot.send_message(chat_of(query), text, reply_markup=ui.cancel_keyboard())
    log.info("return_draft_started", draft=draft.id, number=number)


async def _current(query: CallbackQuery, state: FSMContext, data: ReturnCb) -> ReturnDraft | None:
    draft = await load_return(state)
    if draft is None or draft.tag != data.draft:
        await answer_stale(query)
        return None
    return draft


# -- reason ----------------------------------------------------------------------------------------


@router.message(ReturnFlow.reason, F.text, ui.FlowInput(), flags=FLAGS)
async def on_reason(
    message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients
) -> None:
    draft = await draft_or_lost(load_return, message, state, auth, clients)
    if draft is None:
        return
    reason = await text_within(message, REASON_MIN, REASON_MAX)
    if reason is None:
        return
    draft.reason = reason
    await state.set_state(ReturnFlow.media)
    await save_return(state, draft)
    await message.answer(media_prompt(), reply_markup=media_step_markup(draft.tag))


@router.message(ReturnFlow.reason, ui.FlowInput(), flags=FLAGS)
async def on_reason_not_text(message: Message) -> None:
    await message.answer(ui.tr(texts.REASON_EXPECTED, min=REASON_MIN, max=REASON_MAX))


# -- media -----------------------------------------------------------------------------------------


media_step(load_return, save_return, media_done_markup, media_step_markup).register(
    router, ReturnFlow.media, ui.FlowInput(), flags=FLAGS, module=__name__
)


@router.callback_query(ReturnFlow.media, ReturnCb.filter(F.act == "md"), flags=FLAGS)
async def on_media_done(query: CallbackQuery, callback_data: ReturnCb, state: FSMContext) -> None:
    draft = await _current(query, state, callback_data)
    if draft is None:
        return
    await state.set_state(ReturnFlow.confirm)
    await ui.edit_or_send(query, summary_text(draft), summary_markup(draft.tag))


@router.message(ReturnFlow.confirm, ui.FlowInput(), flags=FLAGS)
async def on_buttons_expected(
    message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients
) -> None:
    draft = await draft_or_lost(load_return, message, state, auth, clients)
    if draft is None:
        return
    text = f"{ui.tr(request_texts.USE_BUTTONS)}\n\n{summary_text(draft)}"
    await message.answer(text, reply_markup=summary_markup(draft.tag))


# -- send or drop ----------------------------------------------------------------------------------


@router.callback_query(ReturnFlow.confirm, ReturnCb.filter(F.act == "ok"), flags=FLAGS)
async def on_send(
    query: CallbackQuery,
    callback_data: ReturnCb,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    bot: Bot,
    gateway_settings: GatewaySettingsStore | None = None,
) -> None:
    draft = await _current(query, state, callback_data)
    if draft is None or draft.reason is None or auth.user is None:
        return
    try:
        await clients.requests.return_request(
            draft.number,
            actor_user_id=auth.user.id,
            reason=with_captions(draft.reason, draft.media.captions, REASON_MAX),
            status_version=draft.version,
            media_files=draft.media.files,
            idempotency_key=draft.idempotency_key,
        )
    except ServiceError as exc:
        if ui.is_transient(exc):
            raise
        log.info("request_return_refused", number=draft.number, code=exc.code, status=exc.status)
        if isinstance(exc, ServiceConflict):
            await state.clear()
            fresh = await load_card(clients, auth, draft.number)
            await show_card(query, fresh, draft.number, Back())
            menu = await ui.main_menu(auth, clients)
            await bot.send_message(chat_of(query), ui.tr(ui_texts.ERR_CHANGED), reply_markup=menu)
            return
        support = await ui.support_contact(gateway_settings)
        await bot.send_message(chat_of(query), ui.error_message(exc, support=support))
        return
    log.info("request_returned", draft=draft.id, number=draft.number)
    await ui.edit_or_send(query, summary_text(draft))
    text = ui.tr(texts.RETURNED, number=ui.escape(draft.number))
    await bot.send_message(chat_of(query), text, reply_markup=await ui.main_menu(auth, clients))
    await state.clear()


@router.callback_query(StateFilter(ReturnFlow.confirm), ReturnCb.filter(F.act == "no"), flags=FLAGS)
async def on_discard(
    query: CallbackQuery,
    callback_data: ReturnCb,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    bot: Bot,
) -> None:
    draft = await _current(query, state, callback_data)
    if draft is None:
        return
    await state.clear()
    await ui.edit_or_send(query, summary_text(draft))
    menu = await ui.main_menu(auth, clients)
    await bot.send_message(chat_of(query), ui.tr(texts.DISCARDED), reply_markup=menu)
