"""How far a pending user got, shared by onboarding and the common commands: what is still
missing, the prompt and the reply keyboard offering only that, and the apartment picker's
callback (``ap:…``, opened from onboarding and from /create_request when no address is linked).

A resident needs a phone and an apartment link (pending or approved; a rejected one does not
count). Staff who joined by invite need only the phone: they have no apartment to link. The
common commands (/menu, /cancel, /language) use :func:`onboarding_reply` too, so a pending user
always gets back the keyboard of their missing steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from aiogram.filters.callback_data import CallbackData
from aiogram.types import KeyboardButton, ReplyKeyboardMarkup

from shared.clients import ServiceClients
from shared.clients.models.users import User
from workers.bot.core import callbacks as cb
from workers.bot.core.auth import AuthContext
from workers.bot.core.ui import tr
from workers.bot.locales import N_

__all__ = [
    "BTN_SELECT_APARTMENT",
    "BTN_SHARE_PHONE",
    "BTN_TYPE_PHONE",
    "NEED_APARTMENT",
    "NEED_BOTH",
    "NEED_PHONE",
    "ApCB",
    "Missing",
    "OnboardingPrompt",
    "missing_items",
    "missing_keyboard",
    "needs_apartment",
    "onboarding_reply",
    "prompt_for",
]

NEED_BOTH: Final = N_(
    "Чтобы завершить регистрацию, укажите номер телефона и выберите свою квартиру."
)
NEED_PHONE: Final = N_("Чтобы завершить регистрацию, укажите номер телефона.")
NEED_APARTMENT: Final = N_("Чтобы завершить регистрацию, выберите свою квартиру.")
BTN_SHARE_PHONE: Final = N_("Отправить мой номер")
BTN_TYPE_PHONE: Final = N_("Ввести номер вручную")
BTN_SELECT_APARTMENT: Final = N_("Выбрать квартиру")


class ApCB(CallbackData, prefix="ap"):
    a: Literal["y", "b", "a", "s", "c"]  # yards, buildings, apartments; selected; confirmed
    y: cb.OptionalId = 0
    b: cb.OptionalId = 0
    p: cb.Page = 1
    yp: cb.Page = 1
    bp: cb.Page = 1
    apt: cb.OptionalId = 0


def missing_keyboard(
    phone: bool, apartment: bool, locale: str | None = None
) -> ReplyKeyboardMarkup:
    """Only the missing items: share/type the phone, select the apartment."""
    rows: list[list[KeyboardButton]] = []
    if phone:
        rows.append([KeyboardButton(text=tr(BTN_SHARE_PHONE, locale), request_contact=True)])
        rows.append([KeyboardButton(text=tr(BTN_TYPE_PHONE, locale))])
    if apartment:
        rows.append([KeyboardButton(text=tr(BTN_SELECT_APARTMENT, locale))])
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True)


@dataclass(frozen=True, slots=True)
class Missing:
    phone: bool
    apartment: bool
    has_links: bool = False

    @property
    def any(self) -> bool:
        return self.phone or self.apartment

    @property
    def fresh(self) -> bool:
        """Nothing done yet (no phone, no link at all): ask "resident or employee?" first."""
        return self.phone and self.apartment and not self.has_links


@dataclass(frozen=True, slots=True)
class OnboardingPrompt:
    text: str
    markup: ReplyKeyboardMarkup


def needs_apartment(user: User) -> bool:
    return not (user.is_staff or "executor" in user.roles)


async def missing_items(user: User, clients: ServiceClients) -> Missing:
    phone_missing = not user.phone
    if not needs_apartment(user):
        return Missing(phone=phone_missing, apartment=False, has_links=True)
    links = (await clients.users.addresses(user.id)).items
    linked = any(link.status in ("pending", "approved") for link in links)
    return Missing(phone=phone_missing, apartment=not linked, has_links=bool(links))


def prompt_for(missing: Missing, locale: str | None = None) -> OnboardingPrompt:
    if missing.phone and missing.apartment:
        text = NEED_BOTH
    elif missing.phone:
        text = NEED_PHONE
    else:
        text = NEED_APARTMENT
    return OnboardingPrompt(
        tr(text, locale), missing_keyboard(missing.phone, missing.apartment, locale)
    )


async def onboarding_reply(
    auth: AuthContext, clients: ServiceClients, locale: str | None = None
) -> OnboardingPrompt | None:
    """The prompt and keyboard of a pending user's missing steps; ``None`` when nothing is
    missing (or the user is not pending)."""
    user = auth.user
    if user is None or auth.status != "pending":
        return None
    missing = await missing_items(user, clients)
    return prompt_for(missing, locale) if missing.any else None
