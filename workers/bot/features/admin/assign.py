"""Assigning a request: to a specialization group (R7 ``group``) or to one approved executor
(U10 for the request's group — who is on shift now marked and first — then R7 ``individual``).
"Now" is the gateway's clock (:mod:`shared.clock`: the fakes' one in development and tests).

The pickers check first that the card is still current (its ``status_version``); the write
is keyed ``assign:<number>:<version>:<g|e>:<target>:<actor>``, so a double tap is one call and
a tap on an outdated picker gets the service's ``409`` → the alert and the card as it is now.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from aiogram import F, Router
from aiogram.types import CallbackQuery

from shared.clients import ServiceClients
from shared.clients.errors import ServiceConflict, ServiceError
from shared.clients.models import Page, Request, User
from shared.clock import Clock
from workers.bot.core import ui, vocabulary
from workers.bot.core.auth import AuthContext
from workers.bot.core.gate import STAFF
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.replies import answer, report_failure
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.admin import render_requests as render
from workers.bot.features.admin import texts
from workers.bot.features.admin.keyboards import (
    SPEC_ORDER,
    AssignExecutorCB,
    AssignGroupCB,
    ExecutorsCB,
    ManagerActionCB,
)
from workers.bot.features.admin.request_cards import card_view, write_on_card

__all__ = ["CATEGORY_GROUP", "router"]

router = Router(name="admin-assign")

_STAFF = {"roles": STAFF}
# The specialization group a category's requests go to.
CATEGORY_GROUP: Final = vocabulary.CATEGORY_GROUP
PICKER_SIZE: Final = 8
_MAX_PAGES: Final = 5


@router.callback_query(ManagerActionCB.filter(F.act == "grp"), flags=_STAFF)
async def pick_group(
    query: CallbackQuery,
    callback_data: ManagerActionCB,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    request = await _current(query, callback_data, clients, gateway_settings)
    if request is not None:
        await ui.edit_or_send(query, *render.group_picker(request))


async def _current(
    query: CallbackQuery,
    callback_data: ManagerActionCB | ExecutorsCB,
    clients: ServiceClients,
    store: GatewaySettingsStore,
) -> Request | None:
    """The request when the card's version is still current; else the alert and a fresh card."""
    try:
        request = await clients.requests.get(callback_data.number)
    except ServiceError as exc:
        await report_failure(query, exc, store)
        return None
    if request.status_version != callback_data.version:
        await answer(query, ui.tr(ui_texts.OUTDATED), alert=True)
        await ui.edit_or_send(query, *await card_view(clients, request))
        return None
    return request


@router.callback_query(AssignGroupCB.filter(F.spec.in_(SPEC_ORDER)), flags=_STAFF)
async def assign_group(
    query: CallbackQuery,
    callback_data: AssignGroupCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    await _assign(query, callback_data, auth, clients, gateway_settings, group=callback_data.spec)


async def _assign(
    query: CallbackQuery,
    data: AssignGroupCB | AssignExecutorCB,
    auth: AuthContext,
    clients: ServiceClients,
    store: GatewaySettingsStore,
    *,
    group: str | None = None,
    executor: int | None = None,
) -> None:
    """R7 to the specialization ``group`` or to one ``executor``; "Saved" and the card afresh.
    A refusal redraws the card as it is now: any refusal of a group, only a conflict (someone
    else assigned, the card moved on) of an executor, whose other refusals the error router
    answers."""
    assert auth.user_id is not None
    number, version = data.number, data.version
    target = f"g:{group}" if group is not None else f"e:{executor}"
    write = clients.requests.assign(
        number,
        "group" if group is not None else "individual",
        status_version=version,
        actor_user_id=auth.user_id,
        specialization=group,
        executor_user_id=executor,
        idempotency_key=f"assign:{number}:{version}:{target}:{auth.user_id}",
    )
    refused = ServiceError if group is not None else ServiceConflict
    await write_on_card(query, number, write, clients, store, _saved, refused)


def _saved(_: Request) -> str:
    return ui.tr(texts.SAVED)


async def _executors_view(
    query: CallbackQuery,
    callback_data: ManagerActionCB | ExecutorsCB,
    clients: ServiceClients,
    store: GatewaySettingsStore,
    clock: Clock,
    page: int,
) -> None:
    request = await _current(query, callback_data, clients, store)
    if request is None:
        return
    group = request.assigned_group or CATEGORY_GROUP.get(request.category, "repair")
    executors, on_shift = await _executors(clients, clock, group)
    # Who is on shift now comes first: assigning someone off shift only ends in "start your
    # shift first" for them. Then by name; the picker is paged here, after the sort.
    executors.sort(key=lambda u: (u.id not in on_shift, render.person_name(u).casefold()))
    pages = -(-len(executors) // PICKER_SIZE)
    page = max(1, min(page, pages or 1))
    shown = executors[(page - 1) * PICKER_SIZE : page * PICKER_SIZE]
    found = Page[User](items=shown, total=len(executors), page=page, size=PICKER_SIZE, pages=pages)
    await ui.edit_or_send(query, *render.executor_picker(request, group, found, on_shift))


async def _executors(
    clients: ServiceClients, clock: Clock, group: str
) -> tuple[list[User], set[int]]:
    """The group's approved executors (U10, read whole) and who of everyone is on an active
    shift now (S2's service-only ``status=active`` call; a night shift from yesterday counts)."""
    executors: list[User] = []
    for number in range(1, _MAX_PAGES + 1):
        batch = await clients.users.executors([group], page=number, size=100)
        executors += batch.items
        if number >= batch.pages:
            break
    today = ui.to_local(await clock.now()).date()
    on_shift: set[int] = set()
    for number in range(1, _MAX_PAGES + 1):
        shifts = await clients.shifts.on_shift(
            today - dt.timedelta(days=1), today, page=number, size=100
        )
        on_shift |= {s.executor_user_id for s in shifts.items if s.executor_user_id is not None}
        if number >= shifts.pages:
            break
    return executors, on_shift


@router.callback_query(ManagerActionCB.filter(F.act == "exe"), flags=_STAFF)
async def pick_executor(
    query: CallbackQuery,
    callback_data: ManagerActionCB,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
    clock: Clock,
) -> None:
    await _executors_view(query, callback_data, clients, gateway_settings, clock, 1)


@router.callback_query(ExecutorsCB.filter(), flags=_STAFF)
async def executors_page(
    query: CallbackQuery,
    callback_data: ExecutorsCB,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
    clock: Clock,
) -> None:
    page = callback_data.page
    await _executors_view(query, callback_data, clients, gateway_settings, clock, page)


@router.callback_query(AssignExecutorCB.filter(), flags=_STAFF)
async def assign_executor(
    query: CallbackQuery,
    callback_data: AssignExecutorCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    await _assign(
        query, callback_data, auth, clients, gateway_settings, executor=callback_data.user_id
    )
