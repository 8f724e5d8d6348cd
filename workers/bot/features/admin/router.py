"""The manager's and admin's tools, one router: request lists and actions, /users with the user
card and invites, /analytics and /settings.

Every sub-router's handlers carry their access rule: the catalogue command
(``flags={"command": "users"}``) for commands and their menu buttons, the ``roles`` flag (see
:mod:`workers.bot.core.gate`) for buttons and callbacks without one; the access middleware
checks both.
"""

from __future__ import annotations

from aiogram import Router

from workers.bot.core.service_errors import report_service_errors
from workers.bot.features.admin import (
    analytics,
    assign,
    invites,
    requests,
    settings,
    user_actions,
    users,
)

__all__ = ["router"]

router = Router(name="admin")
report_service_errors(router, __package__)
for part in (requests, assign, users, user_actions, invites, analytics, settings):
    router.include_router(part.router)
