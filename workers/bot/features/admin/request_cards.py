"""The manager's request card as it is now: the request with its applicant and executor by name.

Shared by the lists (:mod:`workers.bot.features.admin.requests`) and assignment
(:mod:`workers.bot.features.admin.assign`): a card is re-read after every action, and an action on
a card that is behind gets the reason as an alert and the card as it is now.
"""

from __future__ import annotations

import asyncio

from aiogram.types import CallbackQuery, InlineKeyboardMarkup

from shared.clients import ServiceClients
from shared.clients.errors import ServiceError
from shared.clients.models import Request, User
from workers.bot.core import ui
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.replies import report_failure
from workers.bot.features.admin import render_requests as render
from workers.bot.features.admin import texts

__all__ = ["card_view", "show_current_card", "updated_text"]


def updated_text(request: Request) -> str:
    return ui.tr(
        texts.REQUEST_UPDATED,
        number=ui.escape(request.request_number),
        status=ui.status_label(request.status),
    )


async def _people(clients: ServiceClients, request: Request) -> tuple[User | None, User | None]:
    async def one(user_id: int | None) -> User | None:
        if user_id is None:
            return None
        try:
            return await clients.users.get(user_id)
        except ServiceError as exc:
            if ui.is_transient(exc):
                raise
            return None  # a deleted user still leaves a readable card

    applicant, executor = await asyncio.gather(
        one(request.applicant_user_id), one(request.executor_user_id)
    )
    return applicant, executor


async def card_view(
    clients: ServiceClients, request: Request, tab: str | None = None, page: int = 1
) -> tuple[str, InlineKeyboardMarkup]:
    applicant, executor = await _people(clients, request)
    return render.manager_card(request, applicant, executor, tab, page)


async def show_current_card(
    query: CallbackQuery,
    number: str,
    exc: ServiceError,
    clients: ServiceClients,
    store: GatewaySettingsStore,
) -> None:
    """The reason as an alert, then the card as it is now (when it can be read)."""
    await report_failure(query, exc, store)
    try:
        request = await clients.requests.get(number)
    except ServiceError as again:
        if ui.is_transient(again):
            raise
        return
    await ui.edit_or_send(query, *await card_view(clients, request))
