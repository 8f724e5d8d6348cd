"""/create_request, steps 1–5: category → address → description → urgency → media.

Every step is shown by :func:`show_step`: in place of the pressed message after a button, as a
new message after typed input. While the user changes one field from the summary
(``draft.editing``), the step leads straight back to the summary.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from shared.clients import ServiceClients
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.features.requests import texts
from workers.bot.features.requests.addresses import find_address
from workers.bot.features.requests.drafts import Draft, load_draft, save_draft
from workers.bot.features.requests.keyboards import CreateCb
from workers.bot.features.requests.media import media_step
from workers.bot.features.requests.render_create import (
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    URGENCIES,
    address_markup,
    category_markup,
    description_prompt,
    media_done_markup,
    media_prompt,
    media_step_markup,
    summary_markup,
    summary_text,
    urgency_markup,
)
from workers.bot.features.requests.replies import answer_stale
from workers.bot.features.requests.states import CreateRequest
from workers.bot.features.requests.support import draft_or_lost, flow_lost, text_within

__all__ = ["FLAGS", "checked_draft", "router", "show_step"]

router = Router(name="requests.create_steps")
FLAGS = {"command": "create_request"}


def _step_view(step: State, draft: Draft, page: int = 1) -> tuple[str, InlineKeyboardMarkup | None]:
    if step == CreateRequest.category:
        return ui.tr(texts.STEP_CATEGORY), category_markup(draft.tag)
    if step == CreateRequest.address:
        return ui.tr(texts.STEP_ADDRESS), address_markup(draft.tag, draft.addresses, page)
    if step == CreateRequest.description:
        return description_prompt(), None
    if step == CreateRequest.urgency:
        return ui.tr(texts.STEP_URGENCY), urgency_markup(draft.tag)
    if step == CreateRequest.media:
        return media_prompt(), media_step_markup(draft.tag)
    return summary_text(draft), summary_markup(draft.tag)


async def show_step(
    event: CallbackQuery | Message,
    state: FSMContext,
    draft: Draft,
    step: State,
    *,
    hint: str | None = None,
) -> None:
    """Enter ``step`` (saving the draft) and show it; ``hint`` goes above the step's text."""
    await state.set_state(step)
    await save_draft(state, draft)
    text, keyboard = _step_view(step, draft)
    if hint:
        text = f"{hint}\n\n{text}"
    if isinstance(event, Message):
        await event.answer(text, reply_markup=keyboard)
    else:
        await ui.edit_or_send(event, text, keyboard)


async def checked_draft(query: CallbackQuery, state: FSMContext, data: CreateCb) -> Draft | None:
    """The current draft when the button belongs to it; otherwise answers "outdated"."""
    draft = await load_draft(state)
    if draft is None or draft.tag != data.draft:
        await answer_stale(query)
        return None
    return draft


async def _after_field(event: CallbackQuery | Message, state: FSMContext, draft: Draft) -> bool:
    """Back to the summary when this field was changed from there; True if so."""
    if not draft.editing:
        return False
    draft.editing = False
    await show_step(event, state, draft, CreateRequest.confirm)
    return True


# -- 1. category -----------------------------------------------------------------------------------


@router.callback_query(CreateRequest.category, CreateCb.filter(F.act == "cat"), flags=FLAGS)
async def on_category(query: CallbackQuery, callback_data: CreateCb, state: FSMContext) -> None:
    draft = await checked_draft(query, state, callback_data)
    if draft is None:
        return
    if callback_data.val not in ui.MENU_CATEGORIES:
        await answer_stale(query)
        return
    draft.category = callback_data.val
    if await _after_field(query, state, draft):
        return
    if len(draft.addresses) == 1:
        # One address: nothing to choose, the step is skipped.
        draft.address = draft.addresses[0]
        await show_step(query, state, draft, CreateRequest.description)
    else:
        await show_step(query, state, draft, CreateRequest.address)


# -- 2. address ------------------------------------------------------------------------------------


@router.callback_query(CreateRequest.address, CreateCb.filter(F.act == "adp"), flags=FLAGS)
async def on_address_page(query: CallbackQuery, callback_data: CreateCb, state: FSMContext) -> None:
    draft = await checked_draft(query, state, callback_data)
    if draft is None:
        return
    if not callback_data.val.isdigit():
        await answer_stale(query)
        return
    keyboard = address_markup(draft.tag, draft.addresses, int(callback_data.val))
    await ui.edit_or_send(query, ui.tr(texts.STEP_ADDRESS), keyboard)


@router.callback_query(CreateRequest.address, CreateCb.filter(F.act == "adr"), flags=FLAGS)
async def on_address(query: CallbackQuery, callback_data: CreateCb, state: FSMContext) -> None:
    draft = await checked_draft(query, state, callback_data)
    if draft is None:
        return
    chosen = find_address(draft.addresses, callback_data.val)
    if chosen is None:
        await answer_stale(query)
        return
    draft.address = chosen
    if not await _after_field(query, state, draft):
        await show_step(query, state, draft, CreateRequest.description)


# -- 3. description --------------------------------------------------------------------------------


@router.message(CreateRequest.description, F.text, ui.FlowInput(), flags=FLAGS)
async def on_description(
    message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients
) -> None:
    draft = await draft_or_lost(load_draft, message, state, auth, clients)
    if draft is None:
        return
    text = await text_within(message, DESCRIPTION_MIN, DESCRIPTION_MAX)
    if text is None:
        return
    draft.description = text
    if not await _after_field(message, state, draft):
        await show_step(message, state, draft, CreateRequest.urgency)


@router.message(CreateRequest.description, ui.FlowInput(), flags=FLAGS)
async def on_description_not_text(message: Message) -> None:
    await message.answer(
        ui.tr(texts.DESCRIPTION_EXPECTED, min=DESCRIPTION_MIN, max=DESCRIPTION_MAX)
    )


# -- 4. urgency ------------------------------------------------------------------------------------


@router.callback_query(CreateRequest.urgency, CreateCb.filter(F.act == "urg"), flags=FLAGS)
async def on_urgency(query: CallbackQuery, callback_data: CreateCb, state: FSMContext) -> None:
    draft = await checked_draft(query, state, callback_data)
    if draft is None:
        return
    if callback_data.val not in URGENCIES:
        await answer_stale(query)
        return
    draft.urgency = callback_data.val
    if not await _after_field(query, state, draft):
        await show_step(query, state, draft, CreateRequest.media)


# -- 5. media --------------------------------------------------------------------------------------


media_step(load_draft, save_draft, media_done_markup, media_step_markup).register(
    router, CreateRequest.media, ui.FlowInput(), flags=FLAGS, module=__name__
)


@router.callback_query(CreateRequest.media, CreateCb.filter(F.act == "md"), flags=FLAGS)
async def on_media_done(query: CallbackQuery, callback_data: CreateCb, state: FSMContext) -> None:
    draft = await checked_draft(query, state, callback_data)
    if draft is None:
        return
    draft.editing = False
    await show_step(query, state, draft, CreateRequest.confirm)


# -- anything typed while a step waits for a button ------------------------------------------------


@router.message(
    StateFilter(
        CreateRequest.category, CreateRequest.address, CreateRequest.urgency, CreateRequest.confirm
    ),
    ui.FlowInput(),
    flags=FLAGS,
)
async def on_buttons_expected(
    message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients
) -> None:
    draft = await load_draft(state)
    step = await state.get_state()
    if draft is None or step is None:
        await flow_lost(message, state, auth, clients)
        return
    current = next(s for s in CreateRequest.__states__ if s.state == step)
    await show_step(message, state, draft, current, hint=ui.tr(texts.USE_BUTTONS))
