"""How far a pending user got: what is still missing, and the keyboard offering only that.

A resident needs a phone and an apartment link (pending or approved; a rejected one does not
count). Staff who joined by invite need only the phone: they have no apartment to link. The
common commands (/menu, /cancel, /language) use :func:`onboarding_reply` too, so a pending user
always gets back the keyboard of their missing steps.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram.types import ReplyKeyboardMarkup

from shared.clients import ServiceClients
from shared.clients.models.users import User
from workers.bot.core.ui import tr
from workers.bot.features.onboarding import texts
from workers.bot.features.onboarding.keyboards import missing_keyboard
from workers.bot.middlewares.auth import AuthContext

__all__ = ["Missing", "OnboardingPrompt", "missing_items", "needs_apartment", "onboarding_reply"]


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
    return not any(role in user.roles for role in ("executor", "manager", "admin"))


async def missing_items(user: User, clients: ServiceClients) -> Missing:
    phone_missing = not user.phone
    if not needs_apartment(user):
        return Missing(phone=phone_missing, apartment=False, has_links=True)
    links = (await clients.users.addresses(user.id)).items
    linked = any(link.status in ("pending", "approved") for link in links)
    return Missing(phone=phone_missing, apartment=not linked, has_links=bool(links))


def prompt_for(missing: Missing, locale: str | None = None) -> OnboardingPrompt:
    if missing.phone and missing.apartment:
        text = texts.NEED_BOTH
    elif missing.phone:
        text = texts.NEED_PHONE
    else:
        text = texts.NEED_APARTMENT
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
