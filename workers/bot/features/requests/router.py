"""The requests feature's router: its parts, entry points before the steps of flows.

Every handler names the catalogue command whose access rule it shares (``flags``), so a menu
button, a callback and a typed step are refused exactly like the command would be.
"""

from __future__ import annotations

from aiogram import Router

from workers.bot.features.requests import (
    card,
    create_confirm,
    create_entry,
    create_steps,
    listing,
    status_lookup,
)

__all__ = ["router"]

router = Router(name="requests")
router.include_routers(
    create_entry.router,
    listing.router,
    status_lookup.router,
    card.router,
    create_steps.router,
    create_confirm.router,
)
