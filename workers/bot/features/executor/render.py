"""Text and inline keyboards of the executor's lists and request cards (plain functions)."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from shared.clients.models import Page, Request
from workers.bot.core import ui
from workers.bot.core.cards import CardExtras
from workers.bot.core.cards.executor import (
    DESCRIPTION_LIMIT,
    executor_card,
    executor_list_back,
)
from workers.bot.features.executor import texts
from workers.bot.features.executor.keyboards import (
    CardCB,
    ClaimCB,
    ListCB,
    PoolCB,
    button,
    markup,
)

__all__ = [
    "DESCRIPTION_LIMIT",
    "PAGE_SIZE",
    "active_list",
    "card",
    "list_line",
    "pool_list",
]

PAGE_SIZE = 5


def list_line(request: Request) -> str:
    return ui.tr(
        texts.LIST_LINE,
        number=ui.escape(request.request_number),
        status=ui.status_label(request.status),
        category=ui.category_label(request.category),
        urgency=ui.urgency_label(request.urgency),
        preview=ui.preview(request.description, 60),
    )


def _numbered_buttons(
    requests: list[Request], data: list[str], label: str
) -> list[list[InlineKeyboardButton]]:
    buttons = [
        InlineKeyboardButton(text=ui.tr(label, number=r.request_number), callback_data=d)
        for r, d in zip(requests, data, strict=True)
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def active_list(page: Page[Request]) -> tuple[str, InlineKeyboardMarkup | None]:
    if not page.items:
        return ui.tr(texts.ACTIVE_EMPTY), None
    lines = [ui.tr(texts.ACTIVE_TITLE, total=ui.fmt_count(page.total)), *map(list_line, page.items)]
    rows = _numbered_buttons(
        page.items,
        [CardCB(number=r.request_number, page=page.page).pack() for r in page.items],
        texts.BTN_OPEN,
    )
    rows.append(ui.pager_row(page.page, page.pages, lambda p: ListCB(page=p)))
    return "\n\n".join(lines), markup(rows)


def pool_list(page: Page[Request]) -> tuple[str, InlineKeyboardMarkup | None]:
    refresh = [button(ui.tr(texts.BTN_REFRESH), PoolCB(page=page.page))]
    if not page.items:
        return ui.tr(texts.POOL_EMPTY), markup([refresh])
    lines = [ui.tr(texts.POOL_TITLE, total=ui.fmt_count(page.total)), *map(list_line, page.items)]
    rows = _numbered_buttons(
        page.items,
        [
            ClaimCB(number=r.request_number, version=r.status_version, page=page.page).pack()
            for r in page.items
        ],
        texts.BTN_CLAIM,
    )
    rows.append(ui.pager_row(page.page, page.pages, lambda p: PoolCB(page=p)))
    rows.append(refresh)
    return "\n\n".join(lines), markup(rows)


def card(
    request: Request, extras: CardExtras, viewer_id: int | None, page: int = 1
) -> tuple[str, InlineKeyboardMarkup]:
    """The executor's card (the one builder, :mod:`workers.bot.core.cards.executor`), its way
    back leading to the active list's ``page``."""
    return executor_card(request, extras, viewer_id, executor_list_back(page))
