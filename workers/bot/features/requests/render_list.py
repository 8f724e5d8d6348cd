"""/my_requests: one message per list (5 requests a page), its filters and pager below it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from shared.clients.models.common import Page, StatusGroup
from shared.clients.models.requests import Request
from workers.bot.core import ui
from workers.bot.features.requests import texts
from workers.bot.features.requests.keyboards import Back, CardCb, Group, ListCb
from workers.bot.features.requests.render_create import button, markup

__all__ = [
    "GROUPS",
    "PAGE_SIZE",
    "category_picker",
    "list_line",
    "list_markup",
    "list_text",
    "request_button",
]

PAGE_SIZE: Final = 5
PREVIEW: Final = 60
GROUPS: Final[dict[Group, tuple[StatusGroup, str]]] = {
    "all": ("all", texts.FILTER_ALL),
    "act": ("active", texts.FILTER_ACTIVE),
    "arc": ("archive", texts.FILTER_ARCHIVE),
}
_MARK: Final = "• "


def list_line(request: Request) -> str:
    """``<b>250114-007</b> · Новая · Сантехника · 14.01.2025`` and a 60-character preview."""
    head = " · ".join(
        (
            f"<b>{ui.escape(request.request_number)}</b>",
            ui.escape(ui.status_label(request.status)),
            ui.escape(ui.category_label(request.category)),
            ui.fmt_date(request.created_at),
        )
    )
    return f"{head}\n{ui.preview(request.description, PREVIEW)}"


def _filter_label(flt: ListCb) -> str:
    parts = [ui.tr(GROUPS[flt.group][1])]
    if flt.cat:
        parts.append(ui.category_label(flt.cat))
    return ui.escape(" · ".join(parts))


def list_text(page: Page[Request], flt: ListCb, *, executor: bool) -> str:
    title = texts.LIST_TITLE_EXECUTOR if executor else texts.LIST_TITLE
    lines = [ui.tr(title, total=ui.fmt_count(page.total))]
    if flt.group != "all" or flt.cat:
        lines.append(ui.tr(texts.LIST_FILTER, filter=_filter_label(flt)))
    if not page.items:
        lines += ["", ui.tr(texts.LIST_EMPTY)]
        return "\n".join(lines)
    for request in page.items:
        lines += ["", list_line(request)]
    lines += ["", ui.tr(texts.LIST_OPEN_HINT)]
    return "\n".join(lines)


def request_button(request: Request, back: Back) -> InlineKeyboardButton:
    label = f"№ {request.request_number} · {ui.status_label(request.status)}"
    return button(label, CardCb(act="v", number=request.request_number, back=back.pack()))


def list_markup(page: Page[Request], flt: ListCb) -> InlineKeyboardMarkup:
    back = Back("list", flt.group, flt.cat, page.page)
    rows: list[Sequence[InlineKeyboardButton]] = [
        [request_button(request, back)] for request in page.items
    ]
    rows.append(
        [
            button(
                (_MARK if flt.group == group else "") + ui.tr(label),
                ListCb(group=group, cat=flt.cat, page=1),
            )
            for group, (_, label) in GROUPS.items()
        ]
    )
    category = ui.tr(texts.BTN_CATEGORY)
    if flt.cat:
        category = f"{_MARK}{ui.category_label(flt.cat)}"
    filters = [button(category, ListCb(group=flt.group, cat=flt.cat, page=1, pick=True))]
    if flt.group != "all" or flt.cat:
        filters.append(button(ui.tr(texts.BTN_RESET), ListCb()))
    rows.append(filters)
    rows.append(
        ui.pager_row(page.page, page.pages, lambda p: ListCb(group=flt.group, cat=flt.cat, page=p))
    )
    return markup(rows)


def category_picker(flt: ListCb) -> tuple[str, InlineKeyboardMarkup]:
    """Every category (requests may carry the two not offered when filing, too)."""
    buttons = [
        button(
            (_MARK if key == flt.cat else "") + ui.category_label(key),
            ListCb(group=flt.group, cat=key, page=1),
        )
        for key in ui.LABELS["category"]
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    back = ListCb(group=flt.group, cat=flt.cat, page=flt.page)
    rows.append([button(ui.tr(texts.BTN_BACK), back)])
    return ui.tr(texts.CATEGORY_PICK), markup(rows)
