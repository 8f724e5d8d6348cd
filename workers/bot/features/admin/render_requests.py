"""The manager's request lists (one tab per status), cards and assignment pickers."""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from shared.clients.models import Page, Request, User
from workers.bot.core import ui
from workers.bot.core.cards import manager as cards_manager
from workers.bot.core.cards.extras import person_name
from workers.bot.features.admin import texts
from workers.bot.features.admin.keyboards import (
    SPEC_ORDER,
    AssignExecutorCB,
    AssignGroupCB,
    ExecutorsCB,
    RequestCardCB,
    RequestListCB,
    btn,
    markup,
)

__all__ = [
    "PAGE_SIZE",
    "executor_picker",
    "group_picker",
    "person_name",
    "request_list",
    "tab_of",
]

PAGE_SIZE = 5
TAB_TEXTS: Final = {
    "n": texts.TAB_NEW,
    "d": texts.TAB_DONE,
    "r": texts.TAB_RETURNED,
    "p": texts.TAB_PURCHASE,
    "c": texts.TAB_CLARIFICATION,
}


def tab_of(status: str) -> str:
    return cards_manager.tab_of(status)


def _tabs_rows(current: str) -> list[list[InlineKeyboardButton]]:
    buttons = [
        btn(("• " if code == current else "") + ui.tr(text), RequestListCB(tab=code, page=1))
        for code, text in TAB_TEXTS.items()
    ]
    return [buttons[:3], buttons[3:]]


def request_list(page: Page[Request], tab: str) -> tuple[str, InlineKeyboardMarkup]:
    name = ui.tr(TAB_TEXTS[tab])
    rows = _tabs_rows(tab)
    if not page.items:
        return ui.tr(texts.REQUESTS_EMPTY, tab=name), markup(rows)
    lines = [ui.tr(texts.REQUESTS_TITLE, tab=name, total=ui.fmt_count(page.total))]
    for request in page.items:
        line = ui.tr(
            texts.REQUEST_LINE,
            number=ui.escape(request.request_number),
            category=ui.category_label(request.category),
            urgency=ui.urgency_label(request.urgency),
            date=ui.fmt_date(request.created_at),
            preview=ui.preview(request.description, 60),
        )
        lines.append(line)
    buttons = [
        btn(
            ui.tr(texts.BTN_REQUEST, number=r.request_number),
            RequestCardCB(number=r.request_number, tab=tab, page=page.page),
        )
        for r in page.items
    ]
    rows += [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(ui.pager_row(page.page, page.pages, lambda p: RequestListCB(tab=tab, page=p)))
    return "\n\n".join(lines), markup(rows)


def group_picker(request: Request) -> tuple[str, InlineKeyboardMarkup]:
    number, version = request.request_number, request.status_version
    buttons = [
        btn(ui.specialization_label(spec), AssignGroupCB(number=number, version=version, spec=spec))
        for spec in SPEC_ORDER
    ]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([btn(ui.tr(texts.BTN_BACK), RequestCardCB(number=number))])
    return ui.tr(texts.PICK_GROUP, number=ui.escape(number)), markup(rows)


def executor_picker(
    request: Request, group: str, page: Page[User], on_shift: Collection[int] = frozenset()
) -> tuple[str, InlineKeyboardMarkup]:
    """Executors two a row; those on shift now carry 🟢 (the caller sorts them first)."""
    number, version = request.request_number, request.status_version
    buttons = [
        btn(
            ("🟢 " if user.id in on_shift else "") + ui.truncate(person_name(user), 40),
            AssignExecutorCB(number=number, version=version, user_id=user.id),
        )
        for user in page.items
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(
        ui.pager_row(
            page.page,
            page.pages,
            lambda p: ExecutorsCB(number=number, version=version, page=p),
        )
    )
    rows.append([btn(ui.tr(texts.BTN_BACK), RequestCardCB(number=number))])
    if not page.items:
        return ui.tr(texts.NO_EXECUTORS), markup(rows)
    text = ui.tr(
        texts.PICK_EXECUTOR, number=ui.escape(number), group=ui.specialization_label(group)
    )
    on_now = sum(1 for user in page.items if user.id in on_shift)
    legend = texts.PICK_ON_SHIFT if on_now else texts.PICK_NOBODY_ON_SHIFT
    return f"{text}\n{ui.tr(legend)}", markup(rows)
