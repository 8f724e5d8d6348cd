"""Texts and keyboards of acceptance: the list, the rating, the return summary."""

from __future__ import annotations

from typing import Final

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from shared.clients.models.common import Page
from shared.clients.models.requests import Request
from workers.bot.core import ui
from workers.bot.core.cards import with_captions
from workers.bot.core.media_step import MAX_MEDIA
from workers.bot.features.requests import texts as request_texts
from workers.bot.features.requests.acceptance import texts
from workers.bot.features.requests.acceptance.drafts import ReturnDraft
from workers.bot.features.requests.acceptance.keyboards import AcceptListCb, RatingCb, ReturnCb
from workers.bot.features.requests.keyboards import Back, CardCb
from workers.bot.features.requests.render_create import button, markup
from workers.bot.features.requests.render_list import list_line, request_button

__all__ = [
    "PAGE_SIZE",
    "REASON_MAX",
    "REASON_MIN",
    "list_markup",
    "list_text",
    "media_done_markup",
    "media_prompt",
    "media_step_markup",
    "rating_markup",
    "summary_markup",
    "summary_text",
]

PAGE_SIZE: Final = 5
REASON_MIN: Final = 3
REASON_MAX: Final = 1000


def list_text(page: Page[Request]) -> str:
    lines = [ui.tr(texts.LIST_TITLE, count=ui.fmt_count(page.total))]
    if not page.items:
        return "\n\n".join([*lines, ui.tr(texts.LIST_EMPTY)])
    lines += [list_line(request) for request in page.items]
    lines.append(ui.tr(texts.LIST_HINT))
    return "\n\n".join(lines)


def list_markup(page: Page[Request]) -> InlineKeyboardMarkup | None:
    back = Back("accept", page=page.page)
    rows: list[list[InlineKeyboardButton]] = [
        [request_button(request, back)] for request in page.items
    ]
    rows.append(ui.pager_row(page.page, page.pages, lambda p: AcceptListCb(page=p)))
    keyboard = markup(rows)
    return keyboard if keyboard.inline_keyboard else None


def rating_markup(request: Request, back: str) -> InlineKeyboardMarkup:
    number, version = request.request_number, request.status_version
    stars = [
        button(f"{value} ★", RatingCb(number=number, ver=version, rating=value))
        for value in range(1, 6)
    ]
    card = CardCb(act="v", number=number, back=back)
    return markup([stars, [button(ui.tr(request_texts.BTN_BACK), card)]])


def media_prompt() -> str:
    return ui.tr(
        texts.ASK_MEDIA,
        max=MAX_MEDIA,
        done=ui.tr(request_texts.BTN_DONE),
        skip=ui.tr(request_texts.BTN_SKIP),
    )


def media_step_markup(tag: int) -> InlineKeyboardMarkup:
    skip = ReturnCb(act="md", draft=tag, val="skip")
    return markup([[button(ui.tr(request_texts.BTN_SKIP), skip)]])


def media_done_markup(tag: int) -> InlineKeyboardMarkup:
    done = ReturnCb(act="md", draft=tag, val="done")
    return markup([[button(ui.tr(request_texts.BTN_DONE), done)]])


def summary_text(draft: ReturnDraft) -> str:
    count = len(draft.media.files)
    return ui.tr(
        texts.SUMMARY,
        number=ui.escape(draft.number),
        reason=ui.safe(with_captions(draft.reason or "", draft.media.captions, REASON_MAX)),
        media=str(count) if count else ui.tr(request_texts.NO_MEDIA),
    )


def summary_markup(tag: int) -> InlineKeyboardMarkup:
    return markup(
        [
            [button(ui.tr(texts.BTN_SEND), ReturnCb(act="ok", draft=tag))],
            [button(ui.tr(texts.BTN_DISCARD), ReturnCb(act="no", draft=tag))],
        ]
    )
