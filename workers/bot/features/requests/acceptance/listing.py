"""The Acceptance menu button: the applicant's requests awaiting acceptance (R3
``status=confirmed``), 5 a page, edited in place; each opens the request card."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from shared.clients import ServiceClients
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.features.requests.acceptance.keyboards import AcceptListCb
from workers.bot.features.requests.acceptance.render import PAGE_SIZE, list_markup, list_text

__all__ = ["FLAGS", "acceptance_view", "router"]

router = Router(name="acceptance.listing")
# No catalogue command: the role gate applies "approved applicant" (see router.py).
FLAGS = {"roles": ("applicant",)}


async def acceptance_view(
    auth: AuthContext, clients: ServiceClients, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    assert auth.user is not None
    found = await clients.requests.list_requests(
        applicant_user_id=auth.user.id, statuses=["confirmed"], page=page, size=PAGE_SIZE
    )
    if not found.items and found.pages and page > found.pages:
        found = await clients.requests.list_requests(
            applicant_user_id=auth.user.id,
            statuses=["confirmed"],
            page=found.pages,
            size=PAGE_SIZE,
        )
    return list_text(found), list_markup(found)


@router.message(ui.menu_button(ui.MenuButton.ACCEPTANCE), flags=FLAGS)
async def on_acceptance(message: Message, auth: AuthContext, clients: ServiceClients) -> None:
    text, keyboard = await acceptance_view(auth, clients, 1)
    await message.answer(text, reply_markup=keyboard)


@router.callback_query(AcceptListCb.filter(), flags=FLAGS)
async def on_page(
    query: CallbackQuery, callback_data: AcceptListCb, auth: AuthContext, clients: ServiceClients
) -> None:
    text, keyboard = await acceptance_view(auth, clients, callback_data.page)
    await ui.edit_or_send(query, text, keyboard)
