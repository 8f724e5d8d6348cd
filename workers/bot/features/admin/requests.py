"""The manager's requests: lists by status, the card and the status actions (assignment is in
:mod:`workers.bot.features.admin.assign`).

One-tap actions (Confirm, Force accept, Resume) write with the key
``<action>:<number>:<version>:<actor>``: a double tap is one call, and a tap on a card whose
``status_version`` is behind gets the service's ``409 version_conflict`` → the "outdated" alert
and the card as it is now. Actions needing a text (Return to work, Clarify, Cancel) ask for it
in an FSM step and write with ``draft:<draft_id>``.
"""

from __future__ import annotations

from typing import Final

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from shared.clients import ServiceClients
from shared.clients.errors import ServiceError
from shared.clients.models import Page, Request, RequestStatus
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.gate import STAFF
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.replies import answer, new_draft_id, say
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.admin import render_requests as render
from workers.bot.features.admin import texts
from workers.bot.features.admin.keyboards import (
    TABS,
    ManagerActionCB,
    RequestCardCB,
    RequestListCB,
)
from workers.bot.features.admin.request_cards import card_view, updated_text, write_on_card
from workers.bot.features.admin.states import ManagerComment

__all__ = ["router"]

router = Router(name="admin-requests")

_STAFF = {"roles": STAFF}
COMMENT_LIMIT = 2000
# Comment actions: (target status, the question asked).
_COMMENT_ACTS: Final[dict[str, tuple[RequestStatus, str]]] = {
    "rtw": ("in_progress", texts.ASK_RETURN_REASON),
    "clr": ("clarification", texts.ASK_QUESTION),
    "cnl": ("cancelled", texts.ASK_CANCEL_REASON),
}
# One tap: Confirm, Force accept and Resume (from purchase or clarification back to work).
_ONE_TAP: Final[dict[str, RequestStatus]] = {
    "cnf": "confirmed",
    "acc": "accepted",
    "res": "in_progress",
}


async def _list(clients: ServiceClients, tab: str, page: int) -> Page[Request]:
    status: RequestStatus = TABS.get(tab, "new")  # type: ignore[assignment]
    sort = "urgency" if status == "new" else None

    async def read(number: int) -> Page[Request]:
        return await clients.requests.list_requests(
            statuses=[status], sort=sort, page=number, size=5
        )

    return await ui.page_or_last(read, page)


@router.message(ui.menu_button(ui.MenuButton.REQUESTS), flags=_STAFF)
async def requests_menu(message: Message, clients: ServiceClients) -> None:
    text, markup = render.request_list(await _list(clients, "n", 1), "n")
    await message.answer(text, reply_markup=markup)


@router.callback_query(RequestListCB.filter(), flags=_STAFF)
async def requests_page(
    query: CallbackQuery, callback_data: RequestListCB, clients: ServiceClients
) -> None:
    tab = callback_data.tab if callback_data.tab in TABS else "n"
    page = await _list(clients, tab, callback_data.page)
    await ui.edit_or_send(query, *render.request_list(page, tab))


@router.callback_query(RequestCardCB.filter(), flags=_STAFF)
async def request_card(
    query: CallbackQuery,
    callback_data: RequestCardCB,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    request = await clients.requests.get(callback_data.number)
    text, markup = await card_view(clients, request, callback_data.tab, callback_data.page)
    await ui.edit_or_send(query, text, markup)


@router.callback_query(ManagerActionCB.filter(F.act.in_(_ONE_TAP)), flags=_STAFF)
async def one_tap(
    query: CallbackQuery,
    callback_data: ManagerActionCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    assert auth.user_id is not None
    number, version, status = (
        callback_data.number,
        callback_data.version,
        _ONE_TAP[callback_data.act],
    )
    write = clients.requests.change_status(
        number,
        status,
        status_version=version,
        actor_user_id=auth.user_id,
        idempotency_key=f"st:{number}:{version}:{status}:{auth.user_id}",
    )
    await write_on_card(query, number, write, clients, gateway_settings, updated_text)


@router.callback_query(ManagerActionCB.filter(F.act.in_(_COMMENT_ACTS)), flags=_STAFF)
async def ask_comment(
    query: CallbackQuery,
    callback_data: ManagerActionCB,
    state: FSMContext,
    clients: ServiceClients,
) -> None:
    # Checked when the step starts, not when the reason is sent: a manager must not write a
    # question or a reason for a request that changed since the card was drawn.
    request = await clients.requests.get(callback_data.number)
    if request.status_version != callback_data.version:
        await answer(query, ui.tr(ui_texts.OUTDATED), alert=True)
        await ui.edit_or_send(query, *await card_view(clients, request))
        return
    await state.set_state(ManagerComment.text)
    await state.set_data(
        {
            "number": callback_data.number,
            "version": callback_data.version,
            "act": callback_data.act,
            "draft_id": new_draft_id(),
        }
    )
    ask = _COMMENT_ACTS[callback_data.act][1]
    text = ui.tr(ask, number=ui.escape(callback_data.number), limit=COMMENT_LIMIT)
    await say(query, text, reply_markup=ui.cancel_keyboard())


@router.message(ManagerComment.text, F.text, flags=_STAFF)
async def comment(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    assert auth.user_id is not None
    text = (message.text or "").strip()
    if not text:
        await message.answer(ui.tr(texts.TEXT_EXPECTED))
        return
    if len(text) > COMMENT_LIMIT:
        await message.answer(ui.tr(texts.TEXT_TOO_LONG, length=len(text), limit=COMMENT_LIMIT))
        return
    data = await state.get_data()
    number, status = str(data["number"]), _COMMENT_ACTS[str(data["act"])][0]
    try:
        request = await clients.requests.change_status(
            number,
            status,
            status_version=int(data["version"]),
            actor_user_id=auth.user_id,
            comment=text,
            idempotency_key=f"draft:{data['draft_id']}",
        )
    except ServiceError as exc:
        if ui.is_transient(exc):
            raise
        await state.clear()
        reason = ui.error_message(exc, support=await ui.support_contact(gateway_settings))
        await message.answer(reason, reply_markup=await ui.main_menu(auth, clients))
        return
    await state.clear()
    done = ui.tr(
        texts.REQUEST_UPDATED, number=ui.escape(number), status=ui.status_label(request.status)
    )
    await message.answer(done, reply_markup=await ui.main_menu(auth, clients))
    text_card, markup = await card_view(clients, request)
    await message.answer(text_card, reply_markup=markup)


@router.message(ManagerComment.text, flags=_STAFF)
async def comment_not_text(message: Message) -> None:
    await message.answer(ui.tr(texts.TEXT_EXPECTED))
