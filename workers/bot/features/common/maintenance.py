"""The maintenance gate: while ``maintenance_mode`` is on, non-admins get only its message.

Registered first in the first router, so it answers before any feature: a private message gets
the maintenance text, a callback query an alert with it (its one answer); no service is called.
Group messages are left alone (the bot must not answer every line of a group).
Approved admins pass, so they can turn the mode off in /settings. The handlers carry the
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

__all__ = ["ALERT_LIMIT", "MaintenanceOn", "maintenance_text"]

ALERT_LIMIT = 200  # answerCallbackQuery's text limit


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
        if not current.maintenance_mode:
            return False
        if auth is not None and auth.status == "approved" and "admin" in auth.roles:
            return False
        return {"maintenance": current}


def maintenance_text(current: GatewaySettings, locale: str, i18n: I18n) -> str:
    """The plain text to show (the admin's own text, else the built-in one)."""
    return current.maintenance_text(locale, lambda text: i18n.gettext(text, locale=locale))


def alert_text(text: str) -> str:
    return truncate(text, ALERT_LIMIT)
