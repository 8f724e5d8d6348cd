"""What onboarding answers after each step: the greeting by status, what is left, refusals."""

from __future__ import annotations

from aiogram.types import Message, ReplyKeyboardRemove

from shared.clients import ServiceClients
from shared.logs import get_logger
from workers.bot.core.auth import AuthContext
from workers.bot.core.onboarding import missing_items, prompt_for
from workers.bot.core.texts import ACCESS_BLOCKED, NOT_REGISTERED
from workers.bot.core.ui import main_menu, safe, tr
from workers.bot.features.onboarding import texts
from workers.bot.features.onboarding.keyboards import who_keyboard

__all__ = ["after_apartment", "greet", "next_step", "refusal"]

log = get_logger(__name__)


async def greet(message: Message, auth: AuthContext, clients: ServiceClients, locale: str) -> None:
    user = auth.user
    assert user is not None
    if auth.status == "blocked":
        await message.answer(tr(ACCESS_BLOCKED, locale), reply_markup=ReplyKeyboardRemove())
        return
    if auth.status == "approved":
        name = safe(user.first_name or user.username or "", 64)
        await message.answer(
            tr(texts.WELCOME, locale, name=name),
            reply_markup=await main_menu(auth, clients, locale),
        )
        return
    missing = await missing_items(user, clients)
    if missing.fresh:
        await message.answer(tr(texts.WELCOME_NEW, locale), reply_markup=ReplyKeyboardRemove())
        await message.answer(tr(texts.WHO_ARE_YOU, locale), reply_markup=who_keyboard(locale))
        return
    if missing.any:
        prompt = prompt_for(missing, locale)
        await message.answer(prompt.text, reply_markup=prompt.markup)
        return
    await message.answer(tr(texts.UNDER_REVIEW, locale), reply_markup=ReplyKeyboardRemove())


async def next_step(
    message: Message, auth: AuthContext, clients: ServiceClients, locale: str, done: str
) -> None:
    """After a step: ``done`` with the keyboard of what is left (or the menu when approved)."""
    user = auth.user
    assert user is not None
    if auth.status == "approved":
        await message.answer(done, reply_markup=await main_menu(auth, clients, locale))
        return
    missing = await missing_items(user, clients)
    if missing.any:
        prompt = prompt_for(missing, locale)
        await message.answer(f"{done}\n\n{prompt.text}", reply_markup=prompt.markup)
        return
    await message.answer(
        f"{done}\n\n{tr(texts.UNDER_REVIEW, locale)}", reply_markup=ReplyKeyboardRemove()
    )


def refusal(auth: AuthContext) -> str | None:
    if auth.status == "blocked":
        return ACCESS_BLOCKED
    if auth.user is None:
        return NOT_REGISTERED
    return None


async def after_apartment(
    message: Message, auth: AuthContext, clients: ServiceClients, locale: str
) -> None:
    user = auth.user
    assert user is not None
    if auth.status == "approved":
        return
    missing = await missing_items(user, clients)
    if missing.any:
        prompt = prompt_for(missing, locale)
        await message.answer(prompt.text, reply_markup=prompt.markup)
    else:
        await message.answer(tr(texts.UNDER_REVIEW, locale), reply_markup=ReplyKeyboardRemove())
