"""The manager's request card as it is now: the request with its applicant and executor by name.

Shared by the lists (:mod:`workers.bot.features.admin.requests`) and assignment
(:mod:`workers.bot.features.admin.assign`): a card is re-read after every action, and an action on
a card that is behind gets the reason as an alert and the card as it is now.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from aiogram.types import CallbackQuery, InlineKeyboardMarkup

from shared.clients import ServiceClients
from shared.clients.errors import ServiceError
from shared.clients.models import Request
from workers.bot.core import ui
from workers.bot.core.cards import load_extras
from workers.bot.core.cards.callbacks import Tab
from workers.bot.core.cards.manager import TABS, manager_card
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.replies import answer, report_failure
from workers.bot.features.admin import texts

__all__ = ["card_view", "show_current_card", "updated_text", "write_on_card"]


def updated_text(request: Request) -> str:
    return ui.tr(
        texts.REQUEST_UPDATED,
        number=ui.escape(request.request_number),
        status=ui.status_label(request.status),
    )


async def card_view(
    clients: ServiceClients, request: Request, tab: str | None = None, page: int = 1
) -> tuple[str, InlineKeyboardMarkup]:
    """The manager's card (one builder, :mod:`workers.bot.core.cards.manager`) with the people
    by name and, in ``clarification``, the question and the answers (internal comments too)."""
    extras = await load_extras(clients, request, applicant=True, internal=True)
    chosen = cast("Tab", tab) if tab in TABS else None
    return manager_card(request, extras, chosen, page)


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


async def write_on_card(
    query: CallbackQuery,
    number: str,
    write: Awaitable[Request],
    clients: ServiceClients,
    store: GatewaySettingsStore,
    done: Callable[[Request], str],
    refused: type[ServiceError] = ServiceError,
) -> None:
    """A one-tap action on the card: ``write`` (the service call), then ``done`` as the button's
    answer and the card afresh; when ``write`` fails with ``refused``, the reason and the card as
    it is now (:func:`show_current_card`). Other failures go to the error router."""
    try:
        request = await write
    except refused as exc:
        await show_current_card(query, number, exc, clients, store)
        return
    await answer(query, done(request))
    await ui.edit_or_send(query, *await card_view(clients, request))
