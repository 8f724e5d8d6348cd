"""The acceptance feature's router.

Acceptance has no catalogue command, so its handlers carry ``flags={"roles": ("applicant",)}``
and the role gate (the one the staff features use) refuses anyone who is not an approved
applicant, with the same texts as a refused command.
"""

from __future__ import annotations

from aiogram import Router

from workers.bot.features.requests.acceptance import listing, rating, return_flow

__all__ = ["router"]

router = Router(name="acceptance")
router.include_routers(listing.router, rating.router, return_flow.router)
