"""Under every request card: **Comments** (R11, 5 per page, oldest first, edited in place),
**Write a comment** (R12, key ``upd:<update_id>``) and **Photos (N)** (the request's photos as
albums). Applicants never see internal comments; everyone but managers must be able to see the
request (R5 with ``viewer_user_id``) before its thread or photos are shown or written to."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from shared.clients import ServiceClients
from shared.clients.errors import ServiceError, ServiceNotFound
from shared.clients.models.requests import Comment
from shared.logs import get_logger
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.cards import PhotosCB, photo_count, send_photos
from workers.bot.core.cards import texts as card_texts
from workers.bot.core.comments import BTN_WRITE_COMMENT, CommentsCB, CommentStep, CommentWriteCB
from workers.bot.features.comments import texts

__all__ = ["CommentFlow", "router"]

log = get_logger(__name__)
router = Router(name="comments")
_FLAGS = {"command": "request_status"}
PAGE_SIZE = 5
COMMENT_MAX = 2000
STAFF = frozenset({"executor", "manager", "admin"})
MANAGERS = frozenset({"manager", "admin"})
_KEY = "comment_number"


class CommentFlow(StatesGroup):
    text = State()


_STEP = CommentStep(
    CommentFlow.text,
    key=_KEY,
    limit=COMMENT_MAX,
    ask=texts.ASK,
    expected=texts.EXPECTED,
    too_long=texts.TOO_LONG,
    refused="comment_refused",
)


async def _may_see(auth: AuthContext, clients: ServiceClients, number: str) -> bool:
    if auth.user is None:
        return False
    if auth.active_role in MANAGERS:
        return True
    try:
        await clients.requests.get(number, viewer_user_id=auth.user.id)
    except ServiceNotFound:
        return False
    return True


async def _names(clients: ServiceClients, comments: list[Comment]) -> dict[int, str]:
    names: dict[int, str] = {}
    for user_id in {c.author_user_id for c in comments if c.author_user_id is not None}:
        try:
            user = await clients.users.get(user_id)
        except ServiceError as exc:
            if ui.is_transient(exc):
                raise
            names[user_id] = f"#{user_id}"
            continue
        full = " ".join(p for p in (user.first_name, user.last_name) if p)
        names[user_id] = full or user.username or f"#{user_id}"
    return names


def _line(comment: Comment, names: dict[int, str]) -> str:
    author = (
        names.get(comment.author_user_id, "")
        if comment.author_user_id is not None
        else ui.tr(texts.SYSTEM)
    )
    when = ui.fmt_datetime(comment.created_at)
    if comment.comment_type == "status_change" and comment.new_status:
        line = ui.tr(
            texts.STATUS_ENTRY,
            when=when,
            author=ui.safe(author, 100),
            status=ui.escape(ui.status_label(comment.new_status)),
        )
        if comment.comment_text:
            line += ": " + ui.safe(comment.comment_text, 500)
    else:
        line = ui.tr(
            texts.ENTRY,
            when=when,
            author=ui.safe(author, 100),
            text=ui.safe(comment.comment_text, 800),
        )
    if comment.is_internal:
        line += " " + ui.tr(texts.INTERNAL)
    return line


@router.callback_query(CommentsCB.filter(), flags=_FLAGS)
async def show(
    query: CallbackQuery, callback_data: CommentsCB, auth: AuthContext, clients: ServiceClients
) -> None:
    number = callback_data.number
    if not await _may_see(auth, clients, number):
        await ui.answer_query(query, ui.tr(texts.NOT_FOUND), show_alert=True)
        return
    await ui.answer_query(query)
    staff = auth.active_role in STAFF
    page = await clients.requests.comments(
        number, include_internal=staff, page=callback_data.page, size=PAGE_SIZE
    )
    names = await _names(clients, page.items)
    lines = [ui.tr(texts.TITLE, number=ui.escape(number)), ""]
    lines += [_line(c, names) for c in page.items] or [ui.tr(texts.EMPTY)]
    rows: list[list[InlineKeyboardButton]] = []
    pager = ui.pager_row(
        callback_data.page, page.pages, lambda p: CommentsCB(number=number, page=p)
    )
    if pager:
        rows.append(pager)
    rows.append(
        [
            InlineKeyboardButton(
                text=ui.tr(BTN_WRITE_COMMENT), callback_data=CommentWriteCB(number=number).pack()
            )
        ]
    )
    await ui.edit_or_send(query, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(PhotosCB.filter(), flags=_FLAGS)
async def photos(
    query: CallbackQuery,
    callback_data: PhotosCB,
    auth: AuthContext,
    clients: ServiceClients,
    bot: Bot,
) -> None:
    """The card's **Photos (N)**: the request's photos and completion photos as albums, for
    whoever may see the request (R5 with the viewer's visibility; managers see every one)."""
    number = callback_data.number
    if auth.user is None:
        return
    viewer = None if auth.active_role in MANAGERS else auth.user.id
    try:
        request = await clients.requests.get(number, viewer_user_id=viewer)
    except ServiceNotFound:
        await ui.answer_query(query, ui.tr(texts.NOT_FOUND), show_alert=True)
        return
    if not photo_count(request):
        await ui.answer_query(query, ui.tr(card_texts.PHOTOS_NONE, number=number), show_alert=True)
        return
    chat = query.message.chat.id if query.message is not None else query.from_user.id
    sent = await send_photos(bot, chat, request)
    log.info("card_photos_sent", number=number, files=sent)


@router.callback_query(CommentWriteCB.filter(), flags=_FLAGS)
async def ask(
    query: CallbackQuery,
    callback_data: CommentWriteCB,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    bot: Bot,
) -> None:
    number = callback_data.number
    if not await _may_see(auth, clients, number):
        await ui.answer_query(query, ui.tr(texts.NOT_FOUND), show_alert=True)
        return
    await ui.answer_query(query)
    chat = query.message.chat.id if query.message is not None else query.from_user.id
    await _STEP.start(bot, chat, state, number)


@router.message(CommentFlow.text, F.text, ui.FlowInput(), flags=_FLAGS)
async def write(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    event_update: Update,
) -> None:
    number = await _STEP.post(message, state, auth, clients, event_update.update_id)
    if number is None:
        return
    await state.clear()
    log.info("comment_written", number=number)
    menu = await ui.main_menu(auth, clients)
    await message.answer(ui.tr(texts.SAVED, number=ui.escape(number)), reply_markup=menu)


@router.message(CommentFlow.text, ui.FlowInput(), flags=_FLAGS)
async def not_text(message: Message) -> None:
    await _STEP.not_text(message)
