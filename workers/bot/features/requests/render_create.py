"""Texts and inline keyboards of the /create_request steps."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from shared.clients.models.users import AddressRef
from workers.bot.core import ui
from workers.bot.core.cards import with_captions
from workers.bot.core.media_step import MAX_MEDIA
from workers.bot.features.requests import texts
from workers.bot.features.requests.addresses import address_code, address_label
from workers.bot.features.requests.drafts import Draft
from workers.bot.features.requests.keyboards import CreateCb

__all__ = [
    "ADDRESSES_PER_PAGE",
    "DESCRIPTION_MAX",
    "DESCRIPTION_MIN",
    "URGENCIES",
    "address_markup",
    "button",
    "category_markup",
    "description_prompt",
    "edit_markup",
    "markup",
    "media_done_markup",
    "media_prompt",
    "media_step_markup",
    "summary_markup",
    "summary_text",
    "urgency_markup",
]

ADDRESSES_PER_PAGE: Final = 8
DESCRIPTION_MIN: Final = 10
DESCRIPTION_MAX: Final = 2000
URGENCIES: Final = ("low", "medium", "high", "critical")
_BUTTON_LABEL_LIMIT: Final = 60


def button(text: str, data: CallbackData | str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=data if isinstance(data, str) else data.pack()
    )


def markup(rows: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(row) for row in rows if row])


def _pairs(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def category_markup(tag: int) -> InlineKeyboardMarkup:
    return markup(
        _pairs(
            [
                button(ui.category_label(key), CreateCb(act="cat", draft=tag, val=key))
                for key in ui.MENU_CATEGORIES
            ]
        )
    )


def address_pages(addresses: Sequence[AddressRef]) -> int:
    return max(1, -(-len(addresses) // ADDRESSES_PER_PAGE))


def address_markup(tag: int, addresses: Sequence[AddressRef], page: int) -> InlineKeyboardMarkup:
    pages = address_pages(addresses)
    page = min(max(1, page), pages)
    start = (page - 1) * ADDRESSES_PER_PAGE
    rows = [
        [
            button(
                ui.truncate(address_label(ref, html=False), _BUTTON_LABEL_LIMIT),
                CreateCb(act="adr", draft=tag, val=address_code(ref)),
            )
        ]
        for ref in addresses[start : start + ADDRESSES_PER_PAGE]
    ]
    rows.append(ui.pager_row(page, pages, lambda p: CreateCb(act="adp", draft=tag, val=str(p))))
    return markup(rows)


def urgency_markup(tag: int) -> InlineKeyboardMarkup:
    return markup(
        _pairs(
            [
                button(ui.urgency_label(key), CreateCb(act="urg", draft=tag, val=key))
                for key in URGENCIES
            ]
        )
    )


def description_prompt() -> str:
    return ui.tr(texts.STEP_DESCRIPTION, min=DESCRIPTION_MIN, max=DESCRIPTION_MAX)


def media_prompt() -> str:
    return ui.tr(
        texts.STEP_MEDIA, max=MAX_MEDIA, done=ui.tr(texts.BTN_DONE), skip=ui.tr(texts.BTN_SKIP)
    )


def media_step_markup(tag: int) -> InlineKeyboardMarkup:
    return markup([[button(ui.tr(texts.BTN_SKIP), CreateCb(act="md", draft=tag, val="skip"))]])


def media_done_markup(tag: int) -> InlineKeyboardMarkup:
    return markup([[button(ui.tr(texts.BTN_DONE), CreateCb(act="md", draft=tag, val="done"))]])


def summary_text(draft: Draft) -> str:
    count = len(draft.media.files)
    return ui.tr(
        texts.SUMMARY,
        category=ui.escape(ui.category_label(draft.category)),
        address=address_label(draft.address),
        urgency=ui.escape(ui.urgency_label(draft.urgency)),
        media=str(count) if count else ui.tr(texts.NO_MEDIA),
        description=ui.safe(
            with_captions(draft.description or "", draft.media.captions, DESCRIPTION_MAX),
            DESCRIPTION_MAX,
        ),
    )


def summary_markup(tag: int) -> InlineKeyboardMarkup:
    return markup(
        [
            [button(ui.tr(texts.BTN_CONFIRM), CreateCb(act="ok", draft=tag))],
            [
                button(ui.tr(texts.BTN_EDIT), CreateCb(act="ed", draft=tag, val="menu")),
                button(ui.tr(texts.BTN_DISCARD), CreateCb(act="no", draft=tag)),
            ],
        ]
    )


# The fields the summary can send the user back to, in step order.
EDITABLE: Final = (
    ("category", texts.BTN_FIELD_CATEGORY),
    ("address", texts.BTN_FIELD_ADDRESS),
    ("description", texts.BTN_FIELD_DESCRIPTION),
    ("urgency", texts.BTN_FIELD_URGENCY),
    ("media", texts.BTN_FIELD_MEDIA),
)


def edit_markup(tag: int, *, can_change_address: bool) -> InlineKeyboardMarkup:
    fields = [
        button(ui.tr(text), CreateCb(act="ed", draft=tag, val=name))
        for name, text in EDITABLE
        if name != "address" or can_change_address
    ]
    back = button(ui.tr(texts.BTN_BACK), CreateCb(act="ed", draft=tag, val="back"))
    return markup([*_pairs(fields), [back]])
