"""Switch role (U8, the menu re-sent at once) and the Profile button."""

from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from shared.clients import ServiceClients
from shared.logs import get_logger
from workers.bot.core.auth import AuthContext
from workers.bot.core.texts import ACCESS_BLOCKED, AWAITING_APPROVAL
from workers.bot.core.ui import (
    BUTTON_COMMANDS,
    MenuButton,
    answer_stale,
    edit_or_send,
    escape,
    main_menu,
    menu_button,
    role_label,
    tr,
)
from workers.bot.features.common import render, texts
from workers.bot.features.common.keyboards import RoleCB, role_keyboard

__all__ = ["router"]

log = get_logger(__name__)
router = Router(name="common.account")


@router.message(
    menu_button(MenuButton.SWITCH_ROLE),
    flags={"command": BUTTON_COMMANDS[MenuButton.SWITCH_ROLE]},
)
async def switch_role(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    locale: str,
) -> None:
    if auth.status != "approved" or auth.user is None:
        text = ACCESS_BLOCKED if auth.status == "blocked" else AWAITING_APPROVAL
        await message.answer(tr(text, locale))
        return
    targets = render.switch_targets(auth.user)
    if not targets:
        await message.answer(tr(texts.ROLE_SINGLE, locale))
        return
    if len(targets) == 1:
        await _activate(message, auth, clients, state, targets[0], locale)
        return
    await message.answer(tr(texts.ROLE_CHOOSE, locale), reply_markup=role_keyboard(targets, locale))


@router.callback_query(RoleCB.filter(), flags={"command": "menu"})
async def role_chosen(
    query: CallbackQuery,
    callback_data: RoleCB,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    locale: str,
) -> None:
    user = auth.user
    if (
        user is None
        or auth.status != "approved"
        or callback_data.role not in user.roles
        or callback_data.role == user.active_role
    ):
        await answer_stale(query)
        return
    if isinstance(query.message, Message):
        await edit_or_send(query, tr(texts.ROLE_CHOOSE, locale))
        await _activate(query.message, auth, clients, state, callback_data.role, locale)


async def _activate(
    message: Message,
    auth: AuthContext,
    clients: ServiceClients,
    state: FSMContext,
    role: str,
    locale: str,
) -> None:
    assert auth.user is not None
    await clients.users.set_active_role(auth.user.id, role)  # type: ignore[arg-type]
    await auth.reload()
    # A flow of the previous role cannot go on under the new one.
    await state.clear()
    log.info("active_role_switched", user_id=auth.user_id, role=role)
    markup = await main_menu(auth, clients, locale)
    await message.answer(
        tr(texts.ROLE_SWITCHED, locale, role=escape(role_label(role, locale))),
        reply_markup=markup,
    )


# -- Profile ---------------------------------------------------------------------------------


@router.message(menu_button(MenuButton.PROFILE), flags={"command": "menu"})
async def profile(
    message: Message, auth: AuthContext, clients: ServiceClients, locale: str
) -> None:
    user = auth.user
    if user is None:
        return
    addresses = await clients.users.addresses(user.id)
    await message.answer(render.profile_text(user, list(addresses.items), locale))
