"""/create_request, step 6: the summary with Confirm (R2), Edit and Cancel.

Confirm is duplicate-safe (docs/behaviour.md §2): it is handled only in the confirm state and for
the current draft; R2 carries ``draft:<draft_id>``, so a retried update or a repeated tap reuses the
key and the service creates one request. The state is cleared only after R2 succeeded and the
user was told the number; a tap that arrives after that finds no confirm state and gets the
"outdated" alert. A transient failure is raised to the pipeline (retried, then the runtime's
"temporarily unavailable"), and the draft stays, so Confirm works again later.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from shared.clients import ServiceClients
from shared.clients.errors import ServiceError
from shared.logs import get_logger
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.cards import with_captions
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.features.requests import texts
from workers.bot.features.requests.create_steps import FLAGS, checked_draft, show_step
from workers.bot.features.requests.drafts import Draft
from workers.bot.features.requests.keyboards import CreateCb
from workers.bot.features.requests.render_create import (
    DESCRIPTION_MAX,
    edit_markup,
    summary_text,
)
from workers.bot.features.requests.replies import answer_stale
from workers.bot.features.requests.states import CreateRequest
from workers.bot.features.requests.support import chat_of

__all__ = ["router"]

log = get_logger(__name__)
router = Router(name="requests.create_confirm")

_FIELD_STEPS = {
    "category": CreateRequest.category,
    "address": CreateRequest.address,
    "description": CreateRequest.description,
    "urgency": CreateRequest.urgency,
    "media": CreateRequest.media,
}


@router.callback_query(CreateRequest.confirm, CreateCb.filter(F.act == "ed"), flags=FLAGS)
async def on_edit(query: CallbackQuery, callback_data: CreateCb, state: FSMContext) -> None:
    draft = await checked_draft(query, state, callback_data)
    if draft is None:
        return
    choice = callback_data.val
    if choice == "menu":
        keyboard = edit_markup(draft.tag, can_change_address=len(draft.addresses) > 1)
        await ui.edit_or_send(query, ui.tr(texts.EDIT_PICK), keyboard)
        return
    if choice == "back":
        await show_step(query, state, draft, CreateRequest.confirm)
        return
    step = _FIELD_STEPS.get(choice)
    if step is None or (step == CreateRequest.address and len(draft.addresses) <= 1):
        await answer_stale(query)
        return
    draft.editing = True
    if step == CreateRequest.media:
        draft.media.reset()  # the files are chosen again from scratch
    await show_step(query, state, draft, step)


async def _create(draft: Draft, auth: AuthContext, clients: ServiceClients) -> str:
    user, address = auth.user, draft.address
    assert user is not None and address is not None
    assert draft.category is not None and draft.description is not None
    created = await clients.requests.create(
        applicant_user_id=user.id,
        category=draft.category,
        address_type=address.address_type,
        address_id=address.address_id,
        description=with_captions(draft.description, draft.media.captions, DESCRIPTION_MAX),
        urgency=draft.urgency or "low",  # type: ignore[arg-type]
        media_files=draft.media.files,
        idempotency_key=draft.idempotency_key,
    )
    return created.request_number


@router.callback_query(CreateRequest.confirm, CreateCb.filter(F.act == "ok"), flags=FLAGS)
async def on_confirm(
    query: CallbackQuery,
    callback_data: CreateCb,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    bot: Bot,
    gateway_settings: GatewaySettingsStore | None = None,
) -> None:
    draft = await checked_draft(query, state, callback_data)
    if draft is None:
        return
    if not draft.complete or auth.user is None:
        await answer_stale(query)
        return
    try:
        number = await _create(draft, auth, clients)
    except ServiceError as exc:
        if ui.is_transient(exc):
            raise
        log.info("request_create_refused", draft=draft.id, code=exc.code, status=exc.status)
        support = await ui.support_contact(gateway_settings)
        await bot.send_message(chat_of(query), ui.error_message(exc, support=support))
        return
    log.info("request_created", draft=draft.id, number=number)
    done = f"{summary_text(draft)}\n\n{ui.tr(texts.SUBMITTED)}"
    await ui.edit_or_send(query, done)
    menu = await ui.main_menu(auth, clients)
    await bot.send_message(
        chat_of(query), ui.tr(texts.CREATED, number=ui.escape(number)), reply_markup=menu
    )
    await state.clear()


@router.callback_query(CreateRequest.confirm, CreateCb.filter(F.act == "no"), flags=FLAGS)
async def on_discard(
    query: CallbackQuery,
    callback_data: CreateCb,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    bot: Bot,
) -> None:
    draft = await checked_draft(query, state, callback_data)
    if draft is None:
        return
    await state.clear()
    log.info("request_draft_discarded", draft=draft.id)
    await ui.edit_or_send(query, summary_text(draft))
    menu = await ui.main_menu(auth, clients)
    await bot.send_message(chat_of(query), ui.tr(texts.DISCARDED), reply_markup=menu)
