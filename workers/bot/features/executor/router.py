"""The executor's requests: active requests (by urgency), request cards and the group pool.

Lists are one message edited in place (paging, refresh, the answer to a claim). Work actions
need an active shift: Purchase and Complete check it (S1) and that the card is current (R5)
before asking for input; Resume and Claim learn it from the service's ``422 no_active_shift``;
both answer "start your shift first". An outdated card gets the "outdated" alert and its fresh view.
The multi-step actions live in :mod:`workers.bot.features.executor.work`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from shared.clients import ServiceClients
from shared.clients.errors import (
    ServiceConflict,
    ServiceError,
    ServiceNotFound,
    ValidationFailed,
)
from shared.clients.models import Page, Request
from shared.clock import Clock
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.cards import load_extras
from workers.bot.core.gate import EXECUTOR
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.replies import answer, report_failure
from workers.bot.core.service_errors import report_service_errors
from workers.bot.core.shift_check import has_active_shift
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.executor import render, texts, work
from workers.bot.features.executor.keyboards import ActionCB, CardCB, ClaimCB, ListCB, PoolCB

__all__ = ["router"]

router = Router(name="executor")
report_service_errors(router, __package__)
router.include_router(work.router)

_WORK = {"roles": EXECUTOR}


async def _active_page(clients: ServiceClients, user_id: int, page: int) -> Page[Request]:
    return await clients.requests.list_requests(
        executor_user_id=user_id,
        status_group="active",
        sort="urgency",
        page=page,
        size=render.PAGE_SIZE,
    )


async def _pool_page(clients: ServiceClients, user_id: int, page: int) -> Page[Request]:
    return await clients.requests.pool(user_id, page=page, size=render.PAGE_SIZE)


# The two lists, each one message edited in place: how a page is read and drawn.
_Reader = Callable[[ServiceClients, int, int], Awaitable[Page[Request]]]
_Drawer = Callable[[Page[Request]], tuple[str, InlineKeyboardMarkup | None]]
_ACTIVE: Final[tuple[_Reader, _Drawer]] = (_active_page, render.active_list)
_POOL: Final[tuple[_Reader, _Drawer]] = (_pool_page, render.pool_list)


async def _show_list(
    event: Message | CallbackQuery,
    which: tuple[_Reader, _Drawer],
    auth: AuthContext,
    clients: ServiceClients,
    page: int = 1,
) -> None:
    """The list's page (its last when it shrank): a new message, or in place of the pressed one."""
    assert auth.user_id is not None
    user_id, (read, draw) = auth.user_id, which
    found = await ui.page_or_last(lambda number: read(clients, user_id, number), page)
    await ui.edit_or_send(event, *draw(found))


async def _card(
    clients: ServiceClients, auth: AuthContext, request: Request, page: int = 1
) -> tuple[str, InlineKeyboardMarkup]:
    """The executor's one card, with the clarification thread when there is one."""
    extras = await load_extras(clients, request, executor=False, internal=True)
    return render.card(request, extras, auth.user_id, page)


@router.message(
    ui.menu_button(ui.MenuButton.ACTIVE_REQUESTS),
    flags={"command": "my_requests", **_WORK},
)
async def active_requests(message: Message, auth: AuthContext, clients: ServiceClients) -> None:
    await _show_list(message, _ACTIVE, auth, clients)


@router.callback_query(ListCB.filter(), flags=_WORK)
async def active_page(
    query: CallbackQuery, callback_data: ListCB, auth: AuthContext, clients: ServiceClients
) -> None:
    await _show_list(query, _ACTIVE, auth, clients, callback_data.page)


@router.callback_query(CardCB.filter(), flags=_WORK)
async def open_card(
    query: CallbackQuery,
    callback_data: CardCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    request = await clients.requests.get(callback_data.number, viewer_user_id=auth.user_id)
    await ui.edit_or_send(query, *await _card(clients, auth, request, callback_data.page))


@router.callback_query(ActionCB.filter(F.action == "res"), flags=_WORK)
async def resume(
    query: CallbackQuery,
    callback_data: ActionCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    assert auth.user_id is not None
    number, version = callback_data.number, callback_data.version
    try:
        request = await clients.requests.change_status(
            number,
            "in_progress",
            status_version=version,
            actor_user_id=auth.user_id,
            idempotency_key=f"st:{number}:{version}:in_progress:{auth.user_id}",
        )
    except ServiceConflict as exc:
        await _refresh_after_conflict(query, number, exc, auth, clients, gateway_settings)
        return
    await answer(query, ui.tr(texts.RESUMED, number=number))
    await ui.edit_or_send(query, *await _card(clients, auth, request))


@router.callback_query(ActionCB.filter(F.action.in_({"pur", "cmp"})), flags=_WORK)
async def start_work_action(
    query: CallbackQuery,
    callback_data: ActionCB,
    auth: AuthContext,
    clients: ServiceClients,
    state: FSMContext,
    clock: Clock,
) -> None:
    assert auth.user is not None
    if not await has_active_shift(auth, clients, clock):
        await answer(query, ui.tr(ui_texts.ERR_NO_ACTIVE_SHIFT), alert=True)
        return
    # Staleness is checked now, not at Finish: an executor must not type a whole report for a
    # request that moved on (reassigned, cancelled, changed) since the card was drawn.
    number = callback_data.number
    try:
        request = await clients.requests.get(number, viewer_user_id=auth.user_id)
    except ServiceNotFound:
        await answer(query, ui.tr(ui_texts.OUTDATED), alert=True)
        return
    if (
        request.status_version != callback_data.version
        or request.status != "in_progress"
        or request.executor_user_id != auth.user_id
    ):
        await answer(query, ui.tr(ui_texts.OUTDATED), alert=True)
        await ui.edit_or_send(query, *await _card(clients, auth, request))
        return
    await work.begin(query, state, callback_data)


async def _refresh_after_conflict(
    query: CallbackQuery,
    number: str,
    exc: ServiceConflict,
    auth: AuthContext,
    clients: ServiceClients,
    store: GatewaySettingsStore,
) -> None:
    """A stale card: the "outdated" alert, then the card as it is now."""
    await report_failure(query, exc, store)
    try:
        request = await clients.requests.get(number, viewer_user_id=auth.user_id)
    except ServiceError:
        return  # the alert said enough; the card stays as it was
    await ui.edit_or_send(query, *await _card(clients, auth, request))


@router.message(ui.menu_button(ui.MenuButton.GROUP_POOL), flags=_WORK)
async def group_pool(message: Message, auth: AuthContext, clients: ServiceClients) -> None:
    await _show_list(message, _POOL, auth, clients)


@router.callback_query(PoolCB.filter(), flags=_WORK)
async def pool_page(
    query: CallbackQuery, callback_data: PoolCB, auth: AuthContext, clients: ServiceClients
) -> None:
    await _show_list(query, _POOL, auth, clients, callback_data.page)


@router.callback_query(ClaimCB.filter(), flags=_WORK)
async def claim(
    query: CallbackQuery,
    callback_data: ClaimCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    assert auth.user_id is not None
    number, version = callback_data.number, callback_data.version
    try:
        await clients.requests.claim(
            number,
            actor_user_id=auth.user_id,
            status_version=version,
            # Executors race for the same request: the key names the actor (contracts §1.4).
            idempotency_key=f"claim:{number}:{version}:{auth.user_id}",
        )
    except ServiceConflict as exc:
        taken = exc.code in ("already_claimed", "invalid_transition")
        text = ui.tr(ui_texts.ERR_ALREADY_CLAIMED) if taken else ui.tr(ui_texts.OUTDATED)
        await answer(query, text, alert=True)
    except ValidationFailed as exc:
        if exc.code == "specialization_mismatch":
            await answer(query, ui.tr(texts.CLAIM_MISMATCH), alert=True)
        else:
            await report_failure(query, exc, gateway_settings)
        return
    else:
        await answer(query, ui.tr(texts.CLAIMED, number=number))
    await _show_list(query, _POOL, auth, clients, callback_data.page)
