"""Staff invites from /users: role → specializations (executors) → lifetime → U17 → the link.

The link is ``https://t.me/<bot_username>?start=join_<token>``; /start of the common feature
consumes it. Only an admin may invite a manager (the service enforces it; the button is shown
to admins only). Creating is keyed ``upd:<update_id>``: every tap on a lifetime is a new invite.
"""

from __future__ import annotations

import html
from typing import Final

from aiogram import Bot, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup

from shared.clients import ServiceClients
from shared.clients.models import Invite
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.context import UpdateContext
from workers.bot.core.gate import STAFF
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.replies import answer
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.admin import texts
from workers.bot.features.admin.keyboards import (
    SPEC_ORDER,
    InviteHoursCB,
    InviteNewCB,
    InviteSpecsCB,
    InviteTimeCB,
    UsersCB,
    btn,
    from_mask,
    markup,
)

__all__ = ["HOURS", "invite_link", "router"]

router = Router(name="admin-invites")

_STAFF = {"roles": STAFF}
INVITE_ROLES: Final = ("applicant", "executor", "manager")
HOURS: Final = {24: texts.BTN_HOURS_24, 72: texts.BTN_HOURS_72, 168: texts.BTN_HOURS_168}


def invite_link(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username}?start=join_{token}"


def _role_picker(is_admin: bool) -> tuple[str, InlineKeyboardMarkup]:
    roles = [r for r in INVITE_ROLES if is_admin or r != "manager"]
    rows = [
        [
            btn(
                ui.role_label(role),
                InviteSpecsCB(role=role) if role == "executor" else InviteTimeCB(role=role),
            )
        ]
        for role in roles
    ]
    rows.append([btn(ui.tr(texts.BTN_BACK), UsersCB())])
    return ui.tr(texts.INVITE_ROLE), markup(rows)


def _specs_picker(mask: int) -> tuple[str, InlineKeyboardMarkup]:
    buttons = []
    for index, spec in enumerate(SPEC_ORDER):
        bit = 1 << index
        text = texts.CHECKED if mask & bit else texts.UNCHECKED
        label = ui.tr(text, label=ui.specialization_label(spec))
        buttons.append(btn(label, InviteSpecsCB(role="executor", mask=mask ^ bit)))
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append(
        [
            btn(ui.tr(texts.BTN_NEXT), InviteTimeCB(role="executor", mask=mask)),
            btn(ui.tr(texts.BTN_BACK), InviteNewCB()),
        ]
    )
    return ui.tr(texts.INVITE_SPECS), markup(rows)


def _lifetime_picker(role: str, mask: int) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [btn(ui.tr(text), InviteHoursCB(role=role, mask=mask, hours=hours))]
        for hours, text in HOURS.items()
    ]
    rows.append([btn(ui.tr(texts.BTN_BACK), InviteNewCB())])
    return ui.tr(texts.INVITE_LIFETIME), markup(rows)


def _created(invite: Invite, link: str) -> str:
    specs = ", ".join(ui.specialization_label(s) for s in invite.specializations) or "—"
    return ui.tr(
        texts.INVITE_CREATED,
        role=ui.role_label(invite.role),
        specializations=ui.escape(specs),
        expires=ui.fmt_datetime(invite.expires_at),
        link=html.escape(link),
    )


@router.callback_query(InviteNewCB.filter(), flags=_STAFF)
async def new_invite(query: CallbackQuery, auth: AuthContext) -> None:
    await ui.edit_or_send(query, *_role_picker(auth.active_role == "admin"))


@router.callback_query(InviteSpecsCB.filter(), flags=_STAFF)
async def invite_specs(query: CallbackQuery, callback_data: InviteSpecsCB) -> None:
    await ui.edit_or_send(query, *_specs_picker(callback_data.mask))


@router.callback_query(InviteTimeCB.filter(), flags=_STAFF)
async def invite_time(query: CallbackQuery, callback_data: InviteTimeCB) -> None:
    if callback_data.role not in INVITE_ROLES:
        await answer(query, ui.tr(ui_texts.OUTDATED), alert=True)
        return
    if callback_data.role == "executor" and not from_mask(callback_data.mask, SPEC_ORDER):
        await answer(query, ui.tr(ui_texts.ERR_SPECIALIZATION_REQUIRED), alert=True)
        return
    await ui.edit_or_send(query, *_lifetime_picker(callback_data.role, callback_data.mask))


@router.callback_query(InviteHoursCB.filter(), flags=_STAFF)
async def create_invite(
    query: CallbackQuery,
    callback_data: InviteHoursCB,
    auth: AuthContext,
    bot: Bot,
    clients: ServiceClients,
    update_context: UpdateContext,
    gateway_settings: GatewaySettingsStore,
) -> None:
    assert auth.user_id is not None
    role = callback_data.role
    if role not in INVITE_ROLES or callback_data.hours not in HOURS:
        await answer(query, ui.tr(ui_texts.OUTDATED), alert=True)
        return
    specs = from_mask(callback_data.mask, SPEC_ORDER) if role == "executor" else []
    invite = await clients.users.create_invite(
        role,
        specs,
        actor_user_id=auth.user_id,
        expires_in_hours=callback_data.hours,
        idempotency_key=f"upd:{update_context.update_id}",
    )
    me = await bot.me()
    await ui.edit_or_send(query, _created(invite, invite_link(me.username or "", invite.token)))
