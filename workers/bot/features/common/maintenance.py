"""The maintenance gate: while ``maintenance_mode`` is on, non-admins get only its message.

Registered first in the first router, so it answers before any feature: a private message gets
the maintenance text, a callback query an alert with it (its one answer); no service is called.
Group messages are left alone (the bot must not answer every line of a group).
Nobody's profile is read for this (:class:`workers.bot.middlewares.auth.AuthMiddleware` leaves it
unread unless it is cached or the sender is on the staff roster).
Approved managers and admins pass: admins turn the mode off in /settings, and the people who
run the service keep working while residents and executors wait. The admin's support contact
follows the message, so a user with something urgent knows whom to call. The handlers carry the
``command`` flag ``maintenance`` (not a catalogue command), so access control does not refuse
them first with a role or status text.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from workers.bot.core.auth import AuthContext
from workers.bot.core.gateway_settings import GatewaySettings, GatewaySettingsStore
from workers.bot.core.ui import truncate
from workers.bot.features.common.texts import HELP_SUPPORT

__all__ = ["ALERT_LIMIT", "MaintenanceOn", "maintenance_text"]

ALERT_LIMIT = 200  # answerCallbackQuery's text limit
STAFF = frozenset({"manager", "admin"})
SUPPORT_MAX = 100


class MaintenanceOn(Filter):
    """Passes (with ``maintenance``: the settings) when the gate should answer this user."""

    async def __call__(
        self,
        event: Message | CallbackQuery,
        gateway_settings: GatewaySettingsStore | None = None,
        auth: AuthContext | None = None,
    ) -> bool | dict[str, Any]:
        if gateway_settings is None:
            return False
        current = await gateway_settings.get()
        if auth is not None and auth.unread:
            # Left unread because of the maintenance: the gate answers even if the mode went off
            # in between (no handler may take an unread user for an unregistered one).
            return {"maintenance": current}
        if not current.maintenance_mode:
            return False
        if auth is not None and auth.status == "approved" and STAFF & set(auth.roles):
            return False
        return {"maintenance": current}


def maintenance_text(current: GatewaySettings, locale: str, i18n: I18n) -> str:
    """The plain text to show (the admin's own text, else the built-in one), and the support
    contact when the admin set one."""
    text = current.maintenance_text(locale, lambda msgid: i18n.gettext(msgid, locale=locale))
    if current.support_contact:
        support = truncate(current.support_contact, SUPPORT_MAX)
        text += "\n" + i18n.gettext(HELP_SUPPORT, locale=locale).format(support=support)
    return text


def alert_text(text: str) -> str:
    return truncate(text, ALERT_LIMIT)
