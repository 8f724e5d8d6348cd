"""/language: Русский / O'zbekcha → U4; the same message edited in the new language, the
keyboard sent again in it (the flow's Cancel keyboard while a flow is under way)."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Chat, Message, User
from aiogram.utils.i18n import I18n

from shared.clients import ServiceClients
from workers.bot.core.auth import AuthContext
from workers.bot.core.context import UpdateContext
from workers.bot.core.gate import command
from workers.bot.core.onboarding import onboarding_reply
from workers.bot.core.ui import (
    MenuButton,
    answer_stale,
    cancel_keyboard,
    edit_or_send,
    main_menu,
    menu_button,
    tr,
)
from workers.bot.features.common import render, texts
from workers.bot.features.common.keyboards import LangCB, language_keyboard
from workers.bot.locales import LOCALES
from workers.bot.middlewares.i18n import set_locale
from workers.bot.sessions import SessionStore

__all__ = ["router"]

router = Router(name="common.language")


@router.message(Command("language"), flags=command("language"))
@router.message(menu_button(MenuButton.LANGUAGE), flags={"command": "language"})
async def language(message: Message, locale: str) -> None:
    await message.answer(tr(texts.LANGUAGE_PROMPT, locale), reply_markup=language_keyboard())


@router.callback_query(LangCB.filter(), flags={"command": "language"})
async def language_chosen(
    query: CallbackQuery,
    callback_data: LangCB,
    state: FSMContext,
    clients: ServiceClients,
    sessions: SessionStore,
    update_context: UpdateContext,
    i18n: I18n,
    event_from_user: User,
    auth: AuthContext | None = None,
    event_chat: Chat | None = None,
) -> None:
    code = callback_data.code
    if code not in LOCALES:
        await answer_stale(query)
        return
    user = auth.user if auth is not None else None
    if user is not None and auth is not None and auth.status != "blocked":
        if user.language_code != code:
            await clients.users.set_language(user.id, code)
        await auth.reload()
    data: dict[str, Any] = {
        "update_context": update_context,
        "sessions": sessions,
        "event_from_user": event_from_user,
        "event_chat": event_chat,
        "i18n": i18n,
    }
    await set_locale(data, code)
    await edit_or_send(query, tr(texts.LANGUAGE_CHANGED, code))
    if not isinstance(query.message, Message):
        return
    # The keyboard again in the new language: a flow's Cancel keyboard while one is under way.
    if await state.get_state() is not None:
        await query.message.answer(
            tr(texts.LANGUAGE_CHANGED, code), reply_markup=cancel_keyboard(code)
        )
        return
    if auth is None or auth.status == "blocked":
        return
    if auth.status == "approved":
        markup = await main_menu(auth, clients, code)
        await query.message.answer(render.menu_caption(auth, code), reply_markup=markup)
        return
    prompt = await onboarding_reply(auth, clients, code)
    if prompt is not None:
        await query.message.answer(prompt.text, reply_markup=prompt.markup)
