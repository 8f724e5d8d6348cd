"""The request card (R5) and the applicant's own actions on it: Cancel (``new``) and Reply
(``clarification`` → R12). Accept and Return belong to :mod:`.acceptance`.

An action button carries the ``status_version`` its card showed. Before acting, the request is
read again (one quick R5, so the answer to the button can still be the "outdated" alert): a
newer version, another status or a request no longer visible makes the button stale, and the
card is shown afresh in its place.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, Update

from shared.clients import ServiceClients
from shared.clients.errors import ServiceConflict, ServiceError, ServiceNotFound
from shared.logs import get_logger
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.cards import load_extras
from workers.bot.core.cards import texts as card_texts
from workers.bot.core.cards.executor import executor_card
from workers.bot.core.cards.manager import manager_card
from workers.bot.core.cards.photos import send_album
from workers.bot.core.comments import CommentStep
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.ui import texts as ui_texts
from workers.bot.core.vocabulary import is_staff_role
from workers.bot.features.requests import texts
from workers.bot.features.requests.card_data import load_card, viewer_id
from workers.bot.features.requests.keyboards import Back, CardCb
from workers.bot.features.requests.render_card import CardView, back_button, card_markup, card_text
from workers.bot.features.requests.render_create import button, markup
from workers.bot.features.requests.replies import answer_stale
from workers.bot.features.requests.states import ReplyClarification
from workers.bot.features.requests.support import chat_of

__all__ = ["VIEW_FLAGS", "actionable", "open_card", "router", "show_card"]

log = get_logger(__name__)
router = Router(name="requests.card")

# Seeing a card is /request_status's right (approved, any role; R5 decides visibility).
VIEW_FLAGS = {"command": "request_status"}
REPLY_MAX = 2000
_REPLY = CommentStep(
    ReplyClarification.text,
    key="reply",
    limit=REPLY_MAX,
    ask=texts.ASK_REPLY,
    expected=texts.REPLY_EXPECTED,
    too_long=texts.TOO_LONG,
    refused="request_reply_refused",
)


async def show_card(
    event: CallbackQuery | Message, view: CardView | None, number: str, back: Back, note: str = ""
) -> None:
    """The card in place of the pressed message (or as a new one); "not found" when ``None``."""
    if view is None:
        text = ui.tr(texts.NOT_FOUND, number=ui.escape(number))
        way_back = back_button(back)
        await ui.edit_or_send(event, text, markup([[way_back]]) if way_back else None)
        return
    text = card_text(view)
    if note:
        text = f"{note}\n\n{text}"
    await ui.edit_or_send(event, text, card_markup(view, back))


async def actionable(
    query: CallbackQuery,
    data: CardCb,
    auth: AuthContext,
    clients: ServiceClients,
    statuses: frozenset[str],
) -> CardView | None:
    """The card when the button still applies (answered silently); else answers "outdated",
    shows the card afresh and returns ``None``."""
    view = await load_card(clients, auth, data.number)
    if (
        view is not None
        and view.owner
        and view.request.status in statuses
        and view.request.status_version == data.ver
    ):
        return view
    await answer_stale(query)
    await show_card(query, view, data.number, Back.unpack(data.back))
    return None


async def open_card(
    event: CallbackQuery | Message,
    auth: AuthContext,
    clients: ServiceClients,
    number: str,
    back: Back,
) -> None:
    """The card of the viewer's active role, the same one their own lists open: the executor's
    (with its work actions) and the manager's (with theirs) come from
    :mod:`workers.bot.core.cards`; everyone else gets the applicant's card."""
    role = auth.active_role
    if auth.user is None or not (role == "executor" or is_staff_role(role)):
        view = await load_card(clients, auth, number)
        if view is not None and await _completion_photos_first(event, view, back):
            return
        await show_card(event, view, number, back)
        return
    try:
        request = await clients.requests.get(number, viewer_user_id=viewer_id(auth))
    except ServiceNotFound:
        await show_card(event, None, number, back)
        return
    if role == "executor":
        extras = await load_extras(clients, request, executor=False, internal=True)
        card = executor_card(request, extras, auth.user.id, back_button(back))
    else:
        extras = await load_extras(clients, request, applicant=True, internal=True)
        card = manager_card(request, extras)
    await ui.edit_or_send(event, *card)


async def _completion_photos_first(
    event: CallbackQuery | Message, view: CardView, back: Back
) -> bool:
    """The acceptance step: before Accept / Return the owner sees the work — the completion
    photos as an album, and the card with its buttons as a new message under them (an album
    carries no buttons, and an edited card above the photos would be out of sight)."""
    request = view.request
    if not (view.owner and request.status == "confirmed" and request.completion_media):
        return False
    message = event.message if isinstance(event, CallbackQuery) else event
    if not isinstance(message, Message) or message.bot is None:
        return False
    caption = ui.tr(
        card_texts.PHOTOS_OF_COMPLETION,
        number=request.request_number,
        count=len(request.completion_media),
    )
    await send_album(message.bot, message.chat.id, request.completion_media, caption)
    await message.answer(card_text(view), reply_markup=card_markup(view, back))
    return True


@router.callback_query(CardCb.filter(F.act == "v"), flags=VIEW_FLAGS)
async def on_view(
    query: CallbackQuery, callback_data: CardCb, auth: AuthContext, clients: ServiceClients
) -> None:
    await open_card(query, auth, clients, callback_data.number, Back.unpack(callback_data.back))


# -- cancel (new) ----------------------------------------------------------------------------------


@router.callback_query(CardCb.filter(F.act == "cx"), flags=VIEW_FLAGS)
async def on_cancel_ask(
    query: CallbackQuery, callback_data: CardCb, auth: AuthContext, clients: ServiceClients
) -> None:
    view = await actionable(query, callback_data, auth, clients, frozenset({"new"}))
    if view is None:
        return
    number = callback_data.number
    yes = CardCb(act="cxy", number=number, ver=callback_data.ver, back=callback_data.back)
    no = CardCb(act="v", number=number, back=callback_data.back)
    keyboard = markup([[button(ui.tr(texts.BTN_YES_CANCEL), yes), button(ui.tr(texts.BTN_NO), no)]])
    await ui.edit_or_send(query, ui.tr(texts.CANCEL_ASK, number=ui.escape(number)), keyboard)


@router.callback_query(CardCb.filter(F.act == "cxy"), flags=VIEW_FLAGS)
async def on_cancel(
    query: CallbackQuery,
    callback_data: CardCb,
    auth: AuthContext,
    clients: ServiceClients,
    bot: Bot,
    gateway_settings: GatewaySettingsStore | None = None,
) -> None:
    view = await actionable(query, callback_data, auth, clients, frozenset({"new"}))
    if view is None or auth.user is None:
        return
    number, back = callback_data.number, Back.unpack(callback_data.back)
    try:
        await clients.requests.change_status(
            number,
            "cancelled",
            status_version=callback_data.ver,
            actor_user_id=auth.user.id,
            idempotency_key=f"st:{number}:{callback_data.ver}:cancelled",
        )
    except ServiceError as exc:
        if ui.is_transient(exc):
            raise
        log.info("request_cancel_refused", number=number, code=exc.code, status=exc.status)
        if isinstance(exc, ServiceConflict):
            fresh = await load_card(clients, auth, number)
            await show_card(query, fresh, number, back, note=ui.tr(ui_texts.ERR_CHANGED))
            return
        support = await ui.support_contact(gateway_settings)
        await bot.send_message(chat_of(query), ui.error_message(exc, support=support))
        return
    log.info("request_cancelled", number=number)
    fresh = await load_card(clients, auth, number)
    note = ui.tr(texts.REQUEST_CANCELLED, number=ui.escape(number))
    await show_card(query, fresh, number, back, note=note)


# -- reply to the manager's question (clarification) -----------------------------------------------


@router.callback_query(CardCb.filter(F.act == "rep"), flags=VIEW_FLAGS)
async def on_reply_ask(
    query: CallbackQuery,
    callback_data: CardCb,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    bot: Bot,
) -> None:
    view = await actionable(query, callback_data, auth, clients, frozenset({"clarification"}))
    if view is None:
        return
    await _REPLY.start(bot, chat_of(query), state, callback_data.number)


@router.message(ReplyClarification.text, F.text, ui.FlowInput(), flags=VIEW_FLAGS)
async def on_reply(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    event_update: Update,
    gateway_settings: GatewaySettingsStore | None = None,
) -> None:
    number = await _REPLY.post(
        message, state, auth, clients, event_update.update_id, gateway_settings
    )
    if number is None:
        return
    log.info("request_reply_sent", number=number)
    menu = await ui.main_menu(auth, clients)
    await message.answer(ui.tr(texts.REPLY_SENT, number=ui.escape(number)), reply_markup=menu)
    await state.clear()


@router.message(ReplyClarification.text, ui.FlowInput(), flags=VIEW_FLAGS)
async def on_reply_not_text(message: Message) -> None:
    await _REPLY.not_text(message)
