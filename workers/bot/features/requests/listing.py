"""/my_requests: the applicant's own requests (the executor's: those assigned to them), 5 a
page, newest first (R3), with status-group and category filters. Paging and filters edit the
list's message in place."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from shared.clients import ServiceClients
from shared.clients.models.common import Page
from shared.clients.models.requests import Request
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.features.requests.keyboards import ListCb
from workers.bot.features.requests.render_list import (
    GROUPS,
    PAGE_SIZE,
    category_picker,
    list_markup,
    list_text,
)
from workers.bot.features.requests.replies import answer_stale

__all__ = ["list_view", "router"]

router = Router(name="requests.listing")
FLAGS = {"command": "my_requests"}


async def list_view(
    auth: AuthContext, clients: ServiceClients, flt: ListCb
) -> tuple[str, InlineKeyboardMarkup]:
    user = auth.user
    assert user is not None
    executor = auth.active_role == "executor"
    group = GROUPS[flt.group][0]

    async def read(page: int) -> Page[Request]:
        return await clients.requests.list_requests(
            applicant_user_id=None if executor else user.id,
            executor_user_id=user.id if executor else None,
            status_group=group,
            category=flt.cat or None,
            sort="newest",
            page=page,
            size=PAGE_SIZE,
        )

    page = await ui.page_or_last(read, flt.page)
    return list_text(page, flt, executor=executor), list_markup(page, flt)


@router.message(Command("my_requests"), flags=FLAGS)
@router.message(ui.menu_button(ui.MenuButton.MY_REQUESTS), flags=FLAGS)
async def on_my_requests(message: Message, auth: AuthContext, clients: ServiceClients) -> None:
    if auth.user is None:
        return
    text, keyboard = await list_view(auth, clients, ListCb())
    await message.answer(text, reply_markup=keyboard)


@router.callback_query(ListCb.filter(), flags=FLAGS)
async def on_list(
    query: CallbackQuery, callback_data: ListCb, auth: AuthContext, clients: ServiceClients
) -> None:
    if auth.user is None or (callback_data.cat and callback_data.cat not in ui.LABELS["category"]):
        await answer_stale(query)
        return
    if callback_data.pick:
        text, keyboard = category_picker(callback_data)
    else:
        text, keyboard = await list_view(auth, clients, callback_data)
    await ui.edit_or_send(query, text, keyboard)
