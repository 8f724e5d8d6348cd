"""/help, /menu, /language, /cancel (+ Cancel), Switch role, Profile, and the maintenance gate.

This router is the first one: the gate answers before any feature while maintenance is on, and
/cancel and the Cancel button run before any flow's state handlers (none of these handlers has a
state filter), so "Cancel" is never taken as a flow's input.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n

from shared.clients import ServiceClients
from workers.bot.core.auth import AuthContext
from workers.bot.core.catalog import CommandCatalog
from workers.bot.core.gate import PUBLIC, command
from workers.bot.core.gateway_settings import GatewaySettings, GatewaySettingsStore
from workers.bot.core.onboarding import onboarding_reply
from workers.bot.core.parked import ParkedCB, parked, resumer_for, unpark
from workers.bot.core.texts import AWAITING_APPROVAL
from workers.bot.core.ui import (
    MenuButton,
    NoopCB,
    answer_query,
    answer_stale,
    blocked_notice,
    cancel_keyboard,
    edit_or_send,
    escape,
    main_menu,
    menu_button,
    support_contact,
    tr,
)
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.common import account, language, render, texts
from workers.bot.features.common.maintenance import MaintenanceOn, alert_text, maintenance_text

__all__ = ["router"]

router = Router(name="common")
# Tried after this router's own handlers (the gate, /cancel, /menu, /help).
router.include_router(language.router)
router.include_router(account.router)

# The notice reaches everyone the bot serves (blocked users get their own refusal).
_GATE = PUBLIC


# -- maintenance gate (first) ----------------------------------------------------------------


@router.message(F.chat.type == ChatType.PRIVATE, MaintenanceOn(), flags=_GATE)
async def maintenance_message(
    message: Message, maintenance: GatewaySettings, locale: str, i18n: I18n
) -> None:
    await message.answer(escape(maintenance_text(maintenance, locale, i18n)))


@router.callback_query(MaintenanceOn(), flags=_GATE)
async def maintenance_callback(
    query: CallbackQuery, maintenance: GatewaySettings, locale: str, i18n: I18n
) -> None:
    text = alert_text(maintenance_text(maintenance, locale, i18n))
    await answer_query(query, text, show_alert=True)


# -- /cancel and the Cancel button -----------------------------------------------------------


@router.message(Command("cancel"), flags=command("cancel"))
@router.message(menu_button(MenuButton.CANCEL), flags={"command": "cancel"})
async def cancel(
    message: Message,
    state: FSMContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
    locale: str,
    auth: AuthContext | None = None,
) -> None:
    had_state = await state.get_state() is not None
    await state.clear()
    if auth is not None and auth.status == "blocked":
        notice = await blocked_notice(gateway_settings, locale)
        await message.answer(notice, reply_markup=ReplyKeyboardRemove())
        return
    text = tr(texts.CANCELLED if had_state else texts.NOTHING_TO_CANCEL, locale)
    await _send_with_menu(message, text, auth, clients, locale)


async def _send_with_menu(
    message: Message,
    text: str,
    auth: AuthContext | None,
    clients: ServiceClients,
    locale: str,
) -> None:
    """``text`` with the keyboard the user's state calls for: the role's menu when approved,
    the missing onboarding steps when pending, none otherwise."""
    if auth is not None and auth.status == "pending":
        prompt = await onboarding_reply(auth, clients, locale)
        if prompt is not None:
            await message.answer(text, reply_markup=ReplyKeyboardRemove())
            await message.answer(prompt.text, reply_markup=prompt.markup)
            return
    if auth is None:
        await message.answer(text, reply_markup=ReplyKeyboardRemove())
        return
    await message.answer(text, reply_markup=await main_menu(auth, clients, locale))


# -- /menu -----------------------------------------------------------------------------------


@router.message(Command("menu"), flags=command("menu"))
async def menu(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    locale: str,
) -> None:
    # The menu starts over: a flow left half-way would otherwise keep taking the text. (A form
    # left by typing /menu in one of its steps is parked, not in a step, and stays parked.)
    if await state.get_state() is not None:
        await state.clear()
    if auth.status == "approved":
        markup = await main_menu(auth, clients, locale)
        await message.answer(render.menu_caption(auth, locale), reply_markup=markup)
        return
    prompt = await onboarding_reply(auth, clients, locale)
    if prompt is not None:
        await message.answer(prompt.text, reply_markup=prompt.markup)
        return
    await message.answer(tr(AWAITING_APPROVAL, locale), reply_markup=ReplyKeyboardRemove())


# -- /help -----------------------------------------------------------------------------------


@router.message(Command("help"), flags=command("help"))
@router.message(menu_button(MenuButton.HELP), flags={"command": "help"})
async def help_command(
    message: Message,
    auth: AuthContext,
    catalog: CommandCatalog,
    gateway_settings: GatewaySettingsStore,
    locale: str,
) -> None:
    specs = (await catalog.get()).values()
    support = await support_contact(gateway_settings) or ""
    await message.answer(render.help_text(specs, auth, locale, support))


# -- inert buttons ---------------------------------------------------------------------------


@router.callback_query(NoopCB.filter(), flags=PUBLIC)
async def noop(query: CallbackQuery) -> None:
    """Answered by the callback-answer middleware; nothing else to do."""


# -- a form put aside by a command typed in one of its steps ----------------------------------


@router.callback_query(ParkedCB.filter(), flags=PUBLIC)
async def parked_form(
    query: CallbackQuery, callback_data: ParkedCB, state: FSMContext, locale: str
) -> None:
    """Continue: back into the step, shown again; Delete draft: the form is dropped."""
    if await parked(state) is None:
        # Another flow runs now, or the form is gone (expired, finished, deleted).
        await answer_stale(query, locale)
        return
    if callback_data.act == "no":
        await state.clear()
        await edit_or_send(query, tr(ui_texts.PARKED_DISCARDED, locale))
        return
    step = await unpark(state)
    assert step is not None
    await edit_or_send(query, tr(ui_texts.PARKED_BACK, locale))
    resumer = resumer_for(step)
    shown = resumer is not None and await resumer(query, state, step)
    if not shown and isinstance(query.message, Message):
        await query.message.answer(
            tr(ui_texts.PARKED_RESUMED, locale), reply_markup=cancel_keyboard(locale)
        )
