"""Multi-step work actions: Purchase (materials text) and Complete (report → media → Finish).

Both start from a card button (after the active-shift check in the router), keep ``number``,
``version`` and a ``draft_id`` in FSM data and write once, with ``Idempotency-Key
draft:<draft_id>``: a retry after a transient failure or a double tap on Finish is one R6 call.
The state is cleared only after the write succeeded (a transient failure keeps the draft, so
the same step can be repeated); a permanent refusal ends the flow with its reason and the menu.
The reply keyboard is Cancel-only while a flow runs (common's /cancel ends it).
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from shared.clients import ServiceClients
from shared.clients.errors import ServiceError
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.cards import with_captions
from workers.bot.core.gate import EXECUTOR
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.replies import new_draft_id, say
from workers.bot.features.executor import texts
from workers.bot.features.executor.keyboards import ActionCB, FinishCB, button, markup
from workers.bot.features.executor.states import CompleteFlow, PurchaseFlow

__all__ = ["TEXT_LIMIT", "begin", "router"]

router = Router(name="executor-work")

TEXT_LIMIT = 2000
MEDIA_LIMIT = 5
_WORK = {"roles": EXECUTOR}


async def begin(query: CallbackQuery, state: FSMContext, action: ActionCB) -> None:
    """Enter the action's first step for the card's request."""
    purchase = action.action == "pur"
    await state.set_state(PurchaseFlow.materials if purchase else CompleteFlow.report)
    await state.set_data(
        {
            "number": action.number,
            "version": action.version,
            "draft_id": new_draft_id(),
            "media": [],
        }
    )
    ask = texts.PURCHASE_ASK if purchase else texts.REPORT_ASK
    text = ui.tr(ask, number=ui.escape(action.number), limit=TEXT_LIMIT)
    await say(query, text, reply_markup=ui.cancel_keyboard())


async def _text_or_prompt(message: Message) -> str | None:
    """The trimmed text when it fits 1..2000; otherwise says why and returns ``None``."""
    text = (message.text or "").strip()
    if not text:
        await message.answer(ui.tr(texts.TEXT_EXPECTED))
        return None
    if len(text) > TEXT_LIMIT:
        await message.answer(ui.tr(texts.TEXT_TOO_LONG, length=len(text), limit=TEXT_LIMIT))
        return None
    return text


async def _finish_with(
    event: Message | CallbackQuery,
    state: FSMContext,
    text: str,
    auth: AuthContext,
    clients: ServiceClients,
) -> None:
    await state.clear()
    await say(event, text, reply_markup=await ui.main_menu(auth, clients))


async def _refused(
    event: Message | CallbackQuery,
    state: FSMContext,
    exc: ServiceError,
    auth: AuthContext,
    clients: ServiceClients,
    store: GatewaySettingsStore,
) -> None:
    """A permanent refusal ends the flow with its reason; a transient failure keeps it."""
    if ui.is_transient(exc):
        raise exc
    text = ui.error_message(exc, support=await ui.support_contact(store))
    await _finish_with(event, state, text, auth, clients)


@router.message(PurchaseFlow.materials, F.text, flags=_WORK)
async def materials(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    assert auth.user_id is not None
    comment = await _text_or_prompt(message)
    if comment is None:
        return
    data: dict[str, Any] = await state.get_data()
    number = str(data["number"])
    try:
        await clients.requests.change_status(
            number,
            "purchase",
            status_version=int(data["version"]),
            actor_user_id=auth.user_id,
            comment=comment,
            idempotency_key=f"draft:{data['draft_id']}",
        )
    except ServiceError as exc:
        await _refused(message, state, exc, auth, clients, gateway_settings)
        return
    done = ui.tr(texts.PURCHASE_DONE, number=ui.escape(number))
    await _finish_with(message, state, done, auth, clients)


@router.message(PurchaseFlow.materials, flags=_WORK)
@router.message(CompleteFlow.report, ~F.text, flags=_WORK)
async def text_expected(message: Message) -> None:
    await message.answer(ui.tr(texts.TEXT_EXPECTED))


@router.message(CompleteFlow.report, F.text, flags=_WORK)
async def report(message: Message, state: FSMContext) -> None:
    text = await _text_or_prompt(message)
    if text is None:
        return
    await state.update_data(report=text)
    await state.set_state(CompleteFlow.media)
    await message.answer(ui.tr(texts.MEDIA_ASK, limit=MEDIA_LIMIT), reply_markup=_finish_markup())


def _finish_markup() -> InlineKeyboardMarkup:
    return markup([[button(ui.tr(texts.BTN_FINISH), FinishCB())]])


def _file_id(message: Message) -> str | None:
    if message.photo:
        return message.photo[-1].file_id  # the largest size
    if message.video:
        return message.video.file_id
    return None


@router.message(CompleteFlow.media, F.photo | F.video, flags=_WORK)
async def media(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    files = list(data.get("media") or [])
    file_id = _file_id(message)
    if file_id is None:
        return
    if len(files) >= MEDIA_LIMIT:
        await message.answer(ui.tr(texts.MEDIA_LIMIT, limit=MEDIA_LIMIT))
        return
    files.append(file_id)
    captions = list(data.get("captions") or [])
    if message.caption and message.caption.strip():
        # Kept: the report carries it (the service stores file ids only).
        captions.append(message.caption.strip())
    await state.update_data(media=files, captions=captions)
    added = ui.tr(texts.MEDIA_ADDED, count=len(files), limit=MEDIA_LIMIT)
    await message.answer(added, reply_markup=_finish_markup())


@router.message(CompleteFlow.media, flags=_WORK)
async def media_expected(message: Message) -> None:
    await message.answer(ui.tr(texts.MEDIA_EXPECTED), reply_markup=_finish_markup())


@router.callback_query(CompleteFlow.media, FinishCB.filter(), flags=_WORK)
async def finish(
    query: CallbackQuery,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    assert auth.user_id is not None
    data: dict[str, Any] = await state.get_data()
    number = str(data["number"])
    try:
        await clients.requests.change_status(
            number,
            "done",
            status_version=int(data["version"]),
            actor_user_id=auth.user_id,
            comment=with_captions(str(data["report"]), data.get("captions") or [], TEXT_LIMIT),
            media_files=list(data.get("media") or []),
            idempotency_key=f"draft:{data['draft_id']}",
        )
    except ServiceError as exc:
        await _refused(query, state, exc, auth, clients, gateway_settings)
        return
    # The Finish button has done its job: take it off the message it was on.
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):
            await query.message.edit_reply_markup(reply_markup=None)
    done = ui.tr(texts.COMPLETED, number=ui.escape(number))
    await _finish_with(query, state, done, auth, clients)
