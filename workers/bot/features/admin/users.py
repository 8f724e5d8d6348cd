"""/users: pending users first, then status and role filters and a search, paged in place.

The list's view travels in the buttons (:class:`~workers.bot.features.admin.keyboards.ListView`);
a search text does not fit into 64 bytes, so it is kept in ``inline_keyboard_cache`` and the
buttons carry the row's key. When the row has expired the button is outdated: an alert, and the
list without the search.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.clients import ServiceClients
from workers.bot.core import gate, ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.gate import STAFF
from workers.bot.core.replies import answer, say
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.admin import render_users as render
from workers.bot.features.admin import texts
from workers.bot.features.admin.keyboards import ListView, SearchCB, UsersCB
from workers.bot.features.admin.states import UserSearch

__all__ = ["PAGE_SIZE", "SEARCH_LIMIT", "router", "users_view"]

router = Router(name="admin-users")

PAGE_SIZE = 5
SEARCH_LIMIT = 64
_USERS = gate.command("users", STAFF)
_STAFF = {"roles": STAFF}
_SEARCH_ENTITY = "users_search"


async def users_view(
    clients: ServiceClients, view: ListView, search: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    page = await clients.users.list_users(
        status=view.status,  # type: ignore[arg-type]
        role=view.role,  # type: ignore[arg-type]
        search=search,
        page=view.page,
        size=PAGE_SIZE,
    )
    if not page.items and page.pages and view.page > page.pages:
        return await users_view(clients, view.with_(page=page.pages), search)
    return render.users_list(page, view, search)


async def _search_text(
    sessionmaker: async_sessionmaker[AsyncSession], key: str, chat_id: int
) -> str | None:
    choice = await ui.KeyboardCache(sessionmaker).resolve(ui.KeyboardCacheCB(key=key, i=0), chat_id)
    if choice is None or choice.entity_type != _SEARCH_ENTITY or not isinstance(choice.item, str):
        return None
    return choice.item


@router.message(Command("users"), flags=_USERS)
@router.message(ui.menu_button(ui.MenuButton.USERS), flags=_USERS)
async def users(message: Message, clients: ServiceClients) -> None:
    text, markup = await users_view(clients, ListView(), None)
    await message.answer(text, reply_markup=markup)


@router.callback_query(UsersCB.filter(), flags=_STAFF)
async def users_page(
    query: CallbackQuery,
    callback_data: UsersCB,
    clients: ServiceClients,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    try:
        view = ListView.unpack(callback_data.ctx)
    except ValueError:
        await answer(query, ui.tr(ui_texts.OUTDATED), alert=True)
        return
    search = None
    if view.key and isinstance(query.message, Message):
        search = await _search_text(sessionmaker, view.key, query.message.chat.id)
    if view.key and search is None:
        # The search expired: say so, and show the list without it.
        await answer(query, ui.tr(ui_texts.OUTDATED), alert=True)
        view = view.with_(key="", page=1)
    await ui.edit_or_send(query, *await users_view(clients, view, search))


@router.callback_query(SearchCB.filter(), flags=_STAFF)
async def ask_search(query: CallbackQuery, callback_data: SearchCB, state: FSMContext) -> None:
    await state.set_state(UserSearch.query)
    await state.set_data({"ctx": callback_data.ctx})
    await say(query, ui.tr(texts.SEARCH_ASK, limit=SEARCH_LIMIT), reply_markup=ui.cancel_keyboard())


@router.message(UserSearch.query, F.text, flags=_STAFF)
async def search(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    text = " ".join((message.text or "").split())
    if not text:
        await message.answer(ui.tr(texts.TEXT_EXPECTED))
        return
    if len(text) > SEARCH_LIMIT:
        await message.answer(ui.tr(texts.TEXT_TOO_LONG, length=len(text), limit=SEARCH_LIMIT))
        return
    data = await state.get_data()
    try:
        base = ListView.unpack(str(data.get("ctx", "")))
    except ValueError:
        base = ListView()
    entry = await ui.KeyboardCache(sessionmaker).store(
        message.chat.id, [text], entity_type=_SEARCH_ENTITY
    )
    # A search looks among everyone unless a status was chosen on purpose.
    view = base.with_(
        key=entry.key, page=1, status=None if base.status == "pending" else base.status
    )
    await state.clear()
    await message.answer(
        ui.tr(texts.SEARCHING, query=ui.safe(text, SEARCH_LIMIT)),
        reply_markup=await ui.main_menu(auth, clients),
    )
    list_text, markup = await users_view(clients, view, text)
    sent = await message.answer(list_text, reply_markup=markup)
    await ui.KeyboardCache(sessionmaker).attach(entry, sent.message_id)


@router.message(UserSearch.query, flags=_STAFF)
async def search_not_text(message: Message) -> None:
    await message.answer(ui.tr(texts.TEXT_EXPECTED))
