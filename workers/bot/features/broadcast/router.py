"""Broadcast (manager / admin): compose → audience → preview with the count → confirm.

The text keeps the composer's formatting (sent as HTML); one photo may come with it, its caption
then within Telegram's 1024 characters. The preview is sent with the very function that delivers
the broadcast, so it is exactly what recipients see. Confirming stores the broadcast with its
recipient snapshot (once per draft: a retried update finds the broadcast it created) and puts the
progress card, with **Cancel**, in the composer's chat; sender jobs on the workers deliver it and
keep the card up to date (``workers.bot.core.broadcast``).
"""

from __future__ import annotations

import secrets
from typing import Any, Final, Literal

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pydantic import Field, model_validator

from shared.clients import ServiceClients
from shared.settings import Settings
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.broadcast.message import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    BroadcastStopCB,
    Counts,
    card,
    deliver,
)
from workers.bot.core.broadcast.store import BroadcastStore
from workers.bot.core.gate import STAFF
from workers.bot.features.broadcast import texts
from workers.bot.features.broadcast.audience import Audience, audience_label, recipients
from workers.bot.features.broadcast.states import BroadcastCompose

__all__ = ["BroadcastAudienceCB", "BroadcastConfirmCB", "router"]

router = Router(name="broadcast")

_STAFF: Final = {"roles": STAFF}
_SPECIALIZATIONS: Final = tuple(ui.LABELS["specialization"])
_PICK_PAGE: Final = 100


AudienceKind = Literal[
    "residents",
    "yard",
    "building",
    "executors",
    "specialization",
    "managers",
    "all",
    "yards",
    "byards",
    "blist",
    "specs",
    "back",
]
_ID_REFS: Final = frozenset({"yard", "building", "blist"})


class BroadcastAudienceCB(CallbackData, prefix="bca"):
    """``kind``: a final audience (residents, yard, building, executors, specialization,
    managers, all) with ``ref``, or a picker (yards, byards, blist, specs, back)."""

    kind: AudienceKind
    ref: str = Field(default="", pattern=r"^[a-z0-9_]{0,24}$")

    @model_validator(mode="after")
    def _ref_fits_kind(self) -> BroadcastAudienceCB:
        # A yard or building is an id, a specialization one of ours, the rest carry nothing.
        if self.kind in _ID_REFS:
            ok = self.ref.isdigit() and 0 < int(self.ref) < 2**31
        elif self.kind == "specialization":
            ok = self.ref in _SPECIALIZATIONS
        else:
            ok = self.ref == ""
        if not ok:
            raise ValueError("ref does not fit the audience kind")
        return self


class BroadcastConfirmCB(CallbackData, prefix="bcc"):
    act: Literal["go", "aud"]


def _btn(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _audience_keyboard() -> InlineKeyboardMarkup:
    def b(text: str, kind: Any) -> InlineKeyboardButton:
        return _btn(ui.tr(text), BroadcastAudienceCB(kind=kind))

    rows = [
        [b(texts.AUDIENCE_RESIDENTS, "residents")],
        [b(texts.AUDIENCE_YARD, "yards"), b(texts.AUDIENCE_BUILDING, "byards")],
        [b(texts.AUDIENCE_EXECUTORS, "executors")],
        [b(texts.AUDIENCE_SPECIALIZATION, "specs")],
        [b(texts.AUDIENCE_MANAGERS, "managers")],
        [b(texts.AUDIENCE_EVERYONE, "all")],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _picker(items: list[tuple[str, BroadcastAudienceCB]]) -> InlineKeyboardMarkup:
    rows = [[_btn(label, data)] for label, data in items]
    rows.append([_btn(ui.tr(texts.BTN_BACK), BroadcastAudienceCB(kind="back"))])
    return InlineKeyboardMarkup(inline_keyboard=rows)


# -- 1. compose ---------------------------------------------------------------------------------


@router.message(Command("broadcast"), flags=_STAFF)
@router.message(ui.menu_button(ui.MenuButton.BROADCAST), flags=_STAFF)
async def start(message: Message, state: FSMContext) -> None:
    await state.set_state(BroadcastCompose.text)
    await state.set_data({"draft": secrets.token_hex(8)})
    await message.answer(
        ui.tr(texts.ASK_TEXT, limit=TEXT_LIMIT, caption_limit=CAPTION_LIMIT),
        reply_markup=ui.cancel_keyboard(),
    )


@router.message(BroadcastCompose.text, F.photo, flags=_STAFF)
async def composed_photo(message: Message, state: FSMContext) -> None:
    caption = message.caption or ""
    if len(caption) > CAPTION_LIMIT:
        await message.answer(
            ui.tr(texts.CAPTION_TOO_LONG, length=len(caption), limit=CAPTION_LIMIT)
        )
        return
    assert message.photo
    body = message.html_text if caption else ""
    await _composed(message, state, body, message.photo[-1].file_id)


@router.message(BroadcastCompose.text, F.text, flags=_STAFF)
async def composed_text(message: Message, state: FSMContext) -> None:
    plain = message.text or ""
    if not plain.strip():
        await message.answer(ui.tr(texts.TEXT_OR_PHOTO))
        return
    if len(plain) > TEXT_LIMIT:
        await message.answer(ui.tr(texts.TEXT_TOO_LONG, length=len(plain), limit=TEXT_LIMIT))
        return
    await _composed(message, state, message.html_text, None)


@router.message(BroadcastCompose.text, flags=_STAFF)
async def not_composed(message: Message) -> None:
    await message.answer(ui.tr(texts.TEXT_OR_PHOTO))


async def _composed(message: Message, state: FSMContext, body: str, photo: str | None) -> None:
    await state.update_data(text=body, photo=photo)
    await state.set_state(BroadcastCompose.audience)
    await message.answer(ui.tr(texts.ASK_AUDIENCE), reply_markup=_audience_keyboard())


# -- 2. audience --------------------------------------------------------------------------------


@router.message(BroadcastCompose.audience, flags=_STAFF)
@router.message(BroadcastCompose.confirm, flags=_STAFF)
async def expecting_buttons(message: Message) -> None:
    await message.answer(ui.tr(texts.ASK_AUDIENCE), reply_markup=_audience_keyboard())


async def _draft(query: CallbackQuery, state: FSMContext) -> dict[str, Any] | None:
    data = await state.get_data()
    if not data.get("draft") or ("text" not in data and "photo" not in data):
        await ui.answer_query(query, ui.tr(texts.DRAFT_LOST), show_alert=True)
        return None
    return data


@router.callback_query(BroadcastAudienceCB.filter(), flags=_STAFF)
async def audience(
    query: CallbackQuery,
    callback_data: BroadcastAudienceCB,
    state: FSMContext,
    clients: ServiceClients,
    bot: Bot,
) -> None:
    if await _draft(query, state) is None:
        return
    kind, ref = callback_data.kind, callback_data.ref
    if (kind in ("yard", "blist", "building") and not ref.isdigit()) or (
        kind == "specialization" and ref not in _SPECIALIZATIONS
    ):
        await ui.answer_stale(query)  # forged or outdated data
        return
    if kind in ("yards", "byards"):
        await ui.answer_query(query)
        yards = (await clients.users.yards(size=_PICK_PAGE)).items
        then = "yard" if kind == "yards" else "blist"
        items = [(y.name, BroadcastAudienceCB(kind=then, ref=str(y.id))) for y in yards]
        await ui.edit_or_send(query, ui.tr(texts.PICK_YARD), _picker(items))
        return
    if kind == "blist":
        await ui.answer_query(query)
        buildings = (await clients.users.buildings(int(ref), size=_PICK_PAGE)).items
        items = [
            (b.address, BroadcastAudienceCB(kind="building", ref=str(b.id))) for b in buildings
        ]
        await ui.edit_or_send(query, ui.tr(texts.PICK_BUILDING), _picker(items))
        return
    if kind == "specs":
        await ui.answer_query(query)
        items = [
            (ui.specialization_label(s), BroadcastAudienceCB(kind="specialization", ref=s))
            for s in _SPECIALIZATIONS
        ]
        await ui.edit_or_send(query, ui.tr(texts.PICK_SPECIALIZATION), _picker(items))
        return
    if kind == "back":
        await ui.answer_query(query)
        await state.set_state(BroadcastCompose.audience)
        await ui.edit_or_send(query, ui.tr(texts.ASK_AUDIENCE), _audience_keyboard())
        return
    chosen: Audience = {"kind": kind, "ref": ref or None, "name": None}
    if kind == "yard":
        yards = (await clients.users.yards(size=_PICK_PAGE)).items
        chosen["name"] = next((y.name for y in yards if str(y.id) == ref), ref)
    elif kind == "building":
        chosen["name"] = await _building_name(clients, int(ref or 0))
    await ui.answer_query(query)
    await _preview(query, state, clients, bot, chosen)


async def _building_name(clients: ServiceClients, building_id: int) -> str:
    for yard in (await clients.users.yards(size=_PICK_PAGE)).items:
        for building in (await clients.users.buildings(yard.id, size=_PICK_PAGE)).items:
            if building.id == building_id:
                return building.address
    return str(building_id)


async def _preview(
    query: CallbackQuery,
    state: FSMContext,
    clients: ServiceClients,
    bot: Bot,
    chosen: Audience,
) -> None:
    data = await state.get_data()
    count = len(await recipients(clients, chosen))
    if count == 0:
        await ui.edit_or_send(query, ui.tr(texts.NO_RECIPIENTS), _audience_keyboard())
        return
    await state.update_data(audience=chosen)
    await state.set_state(BroadcastCompose.confirm)
    assert query.message is not None
    chat_id = query.message.chat.id
    await ui.edit_or_send(query, ui.tr(texts.PREVIEW_TITLE))
    await deliver(bot, chat_id, data.get("text") or "", data.get("photo"))
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [_btn(ui.tr(texts.BTN_SEND), BroadcastConfirmCB(act="go"))],
            [_btn(ui.tr(texts.BTN_CHANGE_AUDIENCE), BroadcastConfirmCB(act="aud"))],
        ]
    )
    summary = ui.tr(
        texts.PREVIEW_SUMMARY, audience=audience_label(chosen), count=ui.fmt_count(count)
    )
    await bot.send_message(chat_id, summary, reply_markup=keyboard)


# -- 3. confirm ---------------------------------------------------------------------------------


@router.callback_query(BroadcastConfirmCB.filter(), flags=_STAFF)
async def confirm(
    query: CallbackQuery,
    callback_data: BroadcastConfirmCB,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    bot: Bot,
    broadcasts: BroadcastStore,
    app_settings: Settings,
    locale: str,
) -> None:
    data = await _draft(query, state)
    if data is None or not data.get("audience"):
        if data is not None:
            await ui.answer_query(query, ui.tr(texts.DRAFT_LOST), show_alert=True)
        return
    if callback_data.act != "go":
        await ui.answer_query(query)
        await state.set_state(BroadcastCompose.audience)
        await ui.edit_or_send(query, ui.tr(texts.ASK_AUDIENCE), _audience_keyboard())
        return
    await ui.answer_query(query)
    assert query.message is not None and auth.user_id is not None
    chat_id = query.message.chat.id
    chosen: Audience = data["audience"]
    ids = await recipients(clients, chosen)
    if not ids:
        await ui.edit_or_send(query, ui.tr(texts.NO_RECIPIENTS), _audience_keyboard())
        await state.set_state(BroadcastCompose.audience)
        return
    number, _ = await broadcasts.create(
        origin=f"{chat_id}:{data['draft']}",
        user_id=auth.user_id,
        chat_id=chat_id,
        locale=locale,
        audience=chosen,
        body=data.get("text") or "",
        photo=data.get("photo"),
        recipients=ids,
    )
    row = await broadcasts.get(number)
    assert row is not None
    # The summary loses its buttons: the broadcast is on its way.
    summary = ui.tr(
        texts.PREVIEW_SUMMARY, audience=audience_label(chosen), count=ui.fmt_count(row.total)
    )
    await ui.edit_or_send(query, summary.rsplit("\n\n", 1)[0])
    if row.card_message_id is None:
        text, markup = card(
            number,
            Counts(pending=row.total),
            status="sending",
            rate=app_settings.broadcast.rate,
        )
        sent = await bot.send_message(chat_id, text, reply_markup=markup)
        # From here the senders start (they wait for the card, so its edits never get lost).
        await broadcasts.set_card(number, sent.message_id)
    await state.clear()
    await bot.send_message(
        chat_id,
        ui.tr(texts.STARTED, number=number),
        reply_markup=await ui.main_menu(auth, clients),
    )


@router.callback_query(BroadcastStopCB.filter(), flags=_STAFF)
async def stop(
    query: CallbackQuery, callback_data: BroadcastStopCB, broadcasts: BroadcastStore
) -> None:
    # Claims check the status, so no new recipient is taken from here on; a sender closes the
    # broadcast and writes the final card with the totals.
    stopped = await broadcasts.cancel(callback_data.id)
    await ui.answer_query(query, ui.tr(texts.STOP_REQUESTED if stopped else texts.ALREADY_FINISHED))
