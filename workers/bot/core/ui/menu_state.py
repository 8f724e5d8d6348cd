"""The main menu for a user: their role state plus the badges, read from the services.

Badges are a convenience: when a count cannot be read (a service is down), the menu is still
sent, without that badge, and the failure is logged. Only what the active role shows is read:
an applicant's awaiting acceptance count (R3 ``status=confirmed``, ``size=1``), a manager's pending
users (U5 ``status=pending``, ``size=1``), an executor's active shift (S1 ``status=active``).
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import Message, ReplyKeyboardMarkup, ReplyKeyboardRemove

from shared.clients import ServiceClients
from shared.errors import GatewayError
from shared.logs import get_logger
from workers.bot.core.auth import AuthContext
from workers.bot.core.ui import texts
from workers.bot.core.ui.i18n import tr
from workers.bot.core.ui.menu import MenuState, build_main_menu
from workers.bot.core.vocabulary import is_staff_role

__all__ = ["load_menu_state", "main_menu", "send_main_menu"]

log = get_logger(__name__)


async def load_menu_state(auth: AuthContext, clients: ServiceClients) -> MenuState:
    user = auth.user
    role = auth.active_role
    state = MenuState(active_role=role, roles=auth.roles)
    if user is None or auth.status != "approved":
        return state
    try:
        if role == "applicant":
            page = await clients.requests.list_requests(
                applicant_user_id=user.id, statuses=["confirmed"], size=1
            )
            return MenuState(role, auth.roles, awaiting_acceptance=page.total)
        if is_staff_role(role):
            users = await clients.users.list_users(status="pending", size=1)
            return MenuState(role, auth.roles, pending_users=users.total)
        if role == "executor":
            shifts = await auth.call(
                lambda token: clients.shifts.executor_shifts(token, user.id, statuses=["active"])
            )
            return MenuState(role, auth.roles, shift_active=bool(shifts))
    except GatewayError as exc:
        log.warning("menu_badge_unavailable", role=role, error=type(exc).__name__)
    return state


async def main_menu(
    auth: AuthContext, clients: ServiceClients, locale: str | None = None
) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    """The reply keyboard to send with a menu: the role's menu when approved, else none."""
    if auth.status != "approved":
        return ReplyKeyboardRemove()
    return build_main_menu(await load_menu_state(auth, clients), locale)


async def send_main_menu(
    bot: Bot,
    chat_id: int,
    auth: AuthContext,
    clients: ServiceClients,
    text: str | None = None,
    locale: str | None = None,
) -> Message:
    """Send ``text`` (HTML; default "Main menu") with the user's main menu: what a flow does
    when it ends, so the keyboard hidden during the flow comes back."""
    markup = await main_menu(auth, clients, locale)
    return await bot.send_message(
        chat_id, text if text is not None else tr(texts.MENU, locale), reply_markup=markup
    )
