"""/create_request (and its menu button): the preconditions, then the first step.

Access control has already checked "approved, active role applicant" (``bot_commands``). What it
cannot know is checked here, and each gap comes with its fix (docs/behaviour.md §2):

- no phone on file → the user shares or types it right here (U4), and the flow goes on;
- no address to file against (U11 ``request_addresses``) → the apartment choice, or, when a link
  is waiting for the manager, a note that it is under review.

The flow replaces the main menu with a Cancel-only keyboard; /cancel (common) ends it.
"""

from __future__ import annotations

from typing import Final

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, KeyboardButton, Message, ReplyKeyboardMarkup, Update

from shared.clients import ServiceClients
from shared.clients.errors import ServiceError
from shared.logs import get_logger
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.parked import parked, register_resumer, unpark
from workers.bot.core.phone import normalize_contact_phone, normalize_typed_phone
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.requests import texts
from workers.bot.features.requests.create_steps import FLAGS, show_step
from workers.bot.features.requests.drafts import draft_of, load_draft, new_draft
from workers.bot.features.requests.fixes import address_fix
from workers.bot.features.requests.states import CreateRequest

__all__ = ["begin", "router"]

log = get_logger(__name__)
router = Router(name="requests.create_entry")

PHONE_EXAMPLE: Final = "+998901234567"


def _phone_keyboard() -> ReplyKeyboardMarkup:
    share = KeyboardButton(text=ui.tr(texts.BTN_SHARE_PHONE), request_contact=True)
    cancel = KeyboardButton(text=ui.button_text(ui.MenuButton.CANCEL))
    return ReplyKeyboardMarkup(keyboard=[[share], [cancel]], resize_keyboard=True)


async def begin(
    message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients, update_id: int
) -> None:
    user = auth.user
    if user is None or message.from_user is None:
        return
    if await _continue_parked(message, state):
        return
    if not user.phone:
        await state.set_state(CreateRequest.phone)
        await state.set_data({})
        button = ui.tr(texts.BTN_SHARE_PHONE)
        await message.answer(
            ui.tr(texts.NEED_PHONE, button=button, example=PHONE_EXAMPLE),
            reply_markup=_phone_keyboard(),
        )
        return
    found = await clients.users.addresses(user.id)
    if not found.request_addresses:
        # Idle again, but a form put aside (parked in the data) stays.
        await state.set_state(None)
        pending = any(link.status == "pending" for link in found.items)
        text, keyboard = address_fix(pending)
        await message.answer(text, reply_markup=keyboard)
        return
    draft = new_draft(message.from_user.id, update_id, found.request_addresses)
    await state.set_data({})
    cancel = ui.button_text(ui.MenuButton.CANCEL)
    started = ui.tr(texts.FLOW_STARTED, cancel=cancel)
    await message.answer(started, reply_markup=ui.cancel_keyboard())
    await show_step(message, state, draft, CreateRequest.category)
    log.info("request_draft_started", draft=draft.id, addresses=len(draft.addresses))


def _step(name: str) -> State | None:
    """The create-request step called ``name`` (``"CreateRequest:description"``)."""
    group, _, step = name.partition(":")
    found = getattr(CreateRequest, step, None) if group == CreateRequest.__name__ else None
    return found if isinstance(found, State) else None


async def _show_restored(event: CallbackQuery | Message, state: FSMContext, name: str) -> bool:
    """Show a restored step of the form again (the phone step has no draft: start over)."""
    step = _step(name)
    draft = await load_draft(state)
    if step is None or draft is None:
        return False
    target = event.message if isinstance(event, CallbackQuery) else event
    if not isinstance(target, Message):
        return False
    await show_step(target, state, draft, step)
    return True


async def _continue_parked(message: Message, state: FSMContext) -> bool:
    """/create_request with a request form put aside goes back to it, not to a blank one."""
    form = await parked(state)
    if form is None or _step(str(form["state"])) is None:
        return False
    data = form.get("data")
    if not isinstance(data, dict) or draft_of(data) is None:
        return False
    name = await unpark(state)
    assert name is not None
    if await _show_restored(message, state, name):
        log.info("request_draft_continued", step=name)
        return True
    return False


async def _resume(query: CallbackQuery, state: FSMContext, name: str) -> bool:
    return await _show_restored(query, state, name)


register_resumer(CreateRequest.__name__, _resume)


@router.message(Command("create_request"), flags=FLAGS)
@router.message(ui.menu_button(ui.MenuButton.CREATE_REQUEST), flags=FLAGS)
async def on_create_request(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    event_update: Update,
) -> None:
    await begin(message, state, auth, clients, event_update.update_id)


# -- the phone number, when the profile has none ---------------------------------------------------


async def _save_phone(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    update_id: int,
    phone: str,
) -> None:
    user = auth.user
    if user is None:
        return
    try:
        await clients.users.set_phone(user.id, phone)
    except ServiceError as exc:
        if ui.is_transient(exc):
            raise
        log.info("phone_not_saved", code=exc.code, status=exc.status)
        await message.answer(ui.error_message(exc))
        return
    await auth.reload()
    await message.answer(ui.tr(texts.PHONE_SAVED))
    await begin(message, state, auth, clients, update_id)


@router.message(CreateRequest.phone, F.contact, flags=FLAGS)
async def on_contact(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    event_update: Update,
) -> None:
    contact = message.contact
    sender = message.from_user
    phone = normalize_contact_phone(contact.phone_number) if contact else None
    if contact is None or sender is None or contact.user_id != sender.id or phone is None:
        await _reprompt_phone(message)
        return
    await _save_phone(message, state, auth, clients, event_update.update_id, phone)


@router.message(CreateRequest.phone, F.text, ui.FlowInput(), flags=FLAGS)
async def on_typed_phone(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    event_update: Update,
) -> None:
    phone = normalize_typed_phone(message.text or "")
    if phone is None:
        await message.answer(ui.tr(ui_texts.ERR_INVALID_PHONE), reply_markup=_phone_keyboard())
        return
    await _save_phone(message, state, auth, clients, event_update.update_id, phone)


@router.message(CreateRequest.phone, ui.FlowInput(), flags=FLAGS)
async def _reprompt_phone(message: Message) -> None:
    button = ui.tr(texts.BTN_SHARE_PHONE)
    await message.answer(
        ui.tr(texts.PHONE_NOT_OWN, button=button, example=PHONE_EXAMPLE),
        reply_markup=_phone_keyboard(),
    )
