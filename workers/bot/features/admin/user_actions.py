"""The user card of /users and what a manager does there.

- Approve a pending user: their pending apartment links are approved first (U13), then the
  user (U6 ``approved``); a link someone else reviewed meanwhile (``409 link_not_pending``) is
  left as it is.
- Reject one pending link (U13 ``rejected``).
- Block / Unblock after a confirm step (U6 ``blocked`` / ``approved``).
- Roles (U7) and specializations (U9): toggles carried in the buttons as a bit mask, saved at once.

Writes keyed per tap use ``upd:<update_id>`` (contracts §1.4): a later, deliberate tap is a new
intent even when it asks for the same thing again. The service refuses what the actor may not
do (their own status, staff roles by a manager): that refusal is the alert.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from shared.clients import ServiceClients
from shared.clients.errors import ServiceConflict, ServiceError
from shared.clients.models import Role, User, UserAddress, UserStatus
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.context import UpdateContext
from workers.bot.core.gate import STAFF
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.replies import answer, report_failure, say
from workers.bot.features.admin import render_users as render
from workers.bot.features.admin import texts
from workers.bot.features.admin.keyboards import (
    ROLE_ORDER,
    SPEC_ORDER,
    ListView,
    RejectLinkCB,
    RolesCB,
    RolesSaveCB,
    SpecsCB,
    SpecsSaveCB,
    UserActionCB,
    UserCardCB,
    from_mask,
)

__all__ = ["router"]

router = Router(name="admin-user-actions")

_STAFF = {"roles": STAFF}
UserCallback = (
    UserCardCB | UserActionCB | RejectLinkCB | RolesCB | RolesSaveCB | SpecsCB | SpecsSaveCB
)


def _view(callback_data: UserCallback) -> ListView:
    try:
        return ListView.unpack(callback_data.ctx)
    except ValueError:
        return ListView()


async def _load(clients: ServiceClients, user_id: int) -> tuple[User, list[UserAddress]]:
    user = await clients.users.get(user_id)
    links = (await clients.users.addresses(user_id)).items
    return user, links


async def _show_card(
    query: CallbackQuery,
    clients: ServiceClients,
    user_id: int,
    view: ListView,
    store: GatewaySettingsStore,
    note: str | None = None,
) -> None:
    """Answer (with ``note`` as a toast) and show the card as it is now."""
    user, links = await _load(clients, user_id)
    await answer(query, note)
    await ui.edit_or_send(query, *render.user_card(user, links, view))


async def _show_card_of(
    query: CallbackQuery,
    clients: ServiceClients,
    callback_data: UserCallback,
    store: GatewaySettingsStore,
    note: str | None = None,
) -> None:
    """:func:`_show_card` for the user and list view the pressed button carries."""
    await _show_card(query, clients, callback_data.user_id, _view(callback_data), store, note)


async def _user_or_report(
    query: CallbackQuery, clients: ServiceClients, user_id: int, store: GatewaySettingsStore
) -> User | None:
    """The user, with the tap answered; ``None`` once the service's refusal is reported."""
    try:
        user = await clients.users.get(user_id)
    except ServiceError as exc:
        await report_failure(query, exc, store)
        return None
    return user


@router.callback_query(UserCardCB.filter(), flags=_STAFF)
async def user_card(
    query: CallbackQuery,
    callback_data: UserCardCB,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    await _show_card_of(query, clients, callback_data, gateway_settings)


@router.callback_query(UserActionCB.filter(), flags=_STAFF)
async def user_action(
    query: CallbackQuery,
    callback_data: UserActionCB,
    auth: AuthContext,
    clients: ServiceClients,
    update_context: UpdateContext,
    gateway_settings: GatewaySettingsStore,
) -> None:
    assert auth.user_id is not None
    target, view, act = callback_data.user_id, _view(callback_data), callback_data.act
    key = f"upd:{update_context.update_id}"
    if act in ("blk", "ubl"):
        user = await clients.users.get(target)
        await ui.edit_or_send(query, *render.block_confirm(user, view))
        return
    before_pending = False
    if act == "apr":
        changed = await _approve(clients, target, auth.user_id, key)
        note = texts.USER_APPROVED
    else:
        status: UserStatus = "blocked" if act == "bly" else "approved"
        before_pending = (await clients.users.get(target)).status == "pending"
        changed = await clients.users.set_status(
            target, status, actor_user_id=auth.user_id, idempotency_key=key
        )
        note = texts.USER_BLOCKED if act == "bly" else texts.USER_UNBLOCKED
    await auth.forget_other(changed.telegram_id)
    await _show_card(query, clients, target, view, gateway_settings, ui.tr(note))
    if act == "apr" or before_pending:
        await _refresh_counts(query, auth, clients)


async def _refresh_counts(query: CallbackQuery, auth: AuthContext, clients: ServiceClients) -> None:
    """The pending count changed: the menu (whose Users button carries that count) is sent
    again with the count as it is now, so the badge the manager sees is not the old one."""
    state = await ui.load_menu_state(auth, clients)
    text = ui.tr(texts.PENDING_LEFT, count=ui.fmt_count(state.pending_users))
    await say(query, text, reply_markup=ui.build_main_menu(state))


async def _approve(clients: ServiceClients, user_id: int, actor: int, key: str) -> User:
    addresses = await clients.users.addresses(user_id)
    for link in addresses.items:
        if link.status != "pending":
            continue
        try:
            await clients.users.review_apartment(
                user_id,
                link.apartment_id,
                "approved",
                actor_user_id=actor,
                idempotency_key=f"{key}:{link.apartment_id}",
            )
        except ServiceConflict as exc:
            if exc.code != "link_not_pending":
                raise
    return await clients.users.set_status(
        user_id, "approved", actor_user_id=actor, idempotency_key=key
    )


@router.callback_query(RejectLinkCB.filter(), flags=_STAFF)
async def reject_link(
    query: CallbackQuery,
    callback_data: RejectLinkCB,
    auth: AuthContext,
    clients: ServiceClients,
    update_context: UpdateContext,
    gateway_settings: GatewaySettingsStore,
) -> None:
    assert auth.user_id is not None
    await clients.users.review_apartment(
        callback_data.user_id,
        callback_data.apartment_id,
        "rejected",
        actor_user_id=auth.user_id,
        idempotency_key=f"upd:{update_context.update_id}",
    )
    await _show_card_of(
        query, clients, callback_data, gateway_settings, ui.tr(texts.LINK_REJECTED_DONE)
    )


@router.callback_query(RolesCB.filter(), flags=_STAFF)
async def roles(
    query: CallbackQuery,
    callback_data: RolesCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    user = await _user_or_report(query, clients, callback_data.user_id, gateway_settings)
    if user is None:
        return
    may_grant = auth.active_role == "admin"
    screen = render.roles_screen(
        user, callback_data.mask, _view(callback_data), may_grant_staff=may_grant
    )
    await ui.edit_or_send(query, *screen)


@router.callback_query(RolesSaveCB.filter(), flags=_STAFF)
async def save_roles(
    query: CallbackQuery,
    callback_data: RolesSaveCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    assert auth.user_id is not None
    chosen: list[Role] = from_mask(callback_data.mask, ROLE_ORDER)  # type: ignore[assignment]
    if not chosen:
        await answer(query, ui.tr(texts.ROLES_REQUIRED), alert=True)
        return
    changed = await clients.users.set_roles(
        callback_data.user_id, chosen, actor_user_id=auth.user_id
    )
    await auth.forget_other(changed.telegram_id)
    await _show_card_of(query, clients, callback_data, gateway_settings, ui.tr(texts.SAVED))


@router.callback_query(SpecsCB.filter(), flags=_STAFF)
async def specializations(
    query: CallbackQuery,
    callback_data: SpecsCB,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    user = await _user_or_report(query, clients, callback_data.user_id, gateway_settings)
    if user is None:
        return
    await ui.edit_or_send(
        query, *render.specs_screen(user, callback_data.mask, _view(callback_data))
    )


@router.callback_query(SpecsSaveCB.filter(), flags=_STAFF)
async def save_specializations(
    query: CallbackQuery,
    callback_data: SpecsSaveCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    assert auth.user_id is not None
    chosen = from_mask(callback_data.mask, SPEC_ORDER)
    changed = await clients.users.set_specializations(
        callback_data.user_id, chosen, actor_user_id=auth.user_id
    )
    await auth.forget_other(changed.telegram_id)
    await _show_card_of(query, clients, callback_data, gateway_settings, ui.tr(texts.SAVED))
