"""The Acceptance menu button: the applicant's requests awaiting acceptance (R3
``status=confirmed``), 5 a page, edited in place; each opens the request card."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from shared.clients import ServiceClients
from shared.clients.models import Page, Request
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
    user_id = auth.user.id

    async def read(number: int) -> Page[Request]:
        return await clients.requests.list_requests(
            applicant_user_id=user_id, statuses=["confirmed"], page=number, size=PAGE_SIZE
        )

    found = await ui.page_or_last(read, page)
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
