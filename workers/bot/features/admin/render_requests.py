"""The manager's request lists (one tab per status), cards and assignment pickers."""

from __future__ import annotations

from typing import Final

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from shared.clients.models import Page, Request, User
from workers.bot.core import ui
from workers.bot.core.comments import comments_row
from workers.bot.core.ui import address_text
from workers.bot.features.admin import texts
from workers.bot.features.admin.keyboards import (
    SPEC_ORDER,
    TABS,
    AssignExecutorCB,
    AssignGroupCB,
    ExecutorsCB,
    ManagerAct,
    ManagerActionCB,
    RequestCardCB,
    RequestListCB,
    btn,
    markup,
)

__all__ = [
    "PAGE_SIZE",
    "executor_picker",
    "group_picker",
    "manager_card",
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
# Which actions a card offers in each status (docs/contracts.md §5 transitions for a manager).
_ACTIONS: Final[dict[str, tuple[tuple[ManagerAct, ...], ...]]] = {
    "new": (("grp", "exe"), ("clr", "cnl")),
    "in_progress": (("exe", "clr"), ("cnl",)),
    "purchase": (("clr", "cnl"),),
    "clarification": (("cnl",),),
    "done": (("cnf", "rtw"), ("cnl",)),
    "confirmed": (("acc", "rtw"), ("cnl",)),
    "returned": (("acc", "rtw"), ("cnl",)),
}
_ACT_TEXTS: Final[dict[str, str]] = {
    "grp": texts.BTN_ASSIGN_GROUP,
    "exe": texts.BTN_ASSIGN_EXECUTOR,
    "cnf": texts.BTN_CONFIRM,
    "rtw": texts.BTN_RETURN_TO_WORK,
    "clr": texts.BTN_CLARIFY,
    "cnl": texts.BTN_CANCEL_REQUEST,
    "acc": texts.BTN_FORCE_ACCEPT,
}


def tab_of(status: str) -> str:
    return next((code for code, value in TABS.items() if value == status), "n")


def person_name(user: User | None, fallback_id: int | None = None) -> str:
    """A person's display name (plain text: escape it)."""
    if user is None:
        return f"#{fallback_id}" if fallback_id is not None else "—"
    name = " ".join(p for p in (user.first_name, user.last_name) if p)
    return name or (f"@{user.username}" if user.username else f"#{user.id}")


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


def _executor_text(request: Request, executor: User | None) -> str:
    if request.executor_user_id is not None:
        return ui.safe(person_name(executor, request.executor_user_id), 100)
    if request.assigned_group:
        return ui.tr(texts.CARD_GROUP, group=ui.specialization_label(request.assigned_group))
    return "—"


def manager_card(
    request: Request,
    applicant: User | None,
    executor: User | None,
    tab: str | None = None,
    page: int = 1,
) -> tuple[str, InlineKeyboardMarkup]:
    text = ui.tr(
        texts.MANAGER_CARD,
        number=ui.escape(request.request_number),
        status=ui.status_label(request.status),
        category=ui.category_label(request.category),
        urgency=ui.urgency_label(request.urgency),
        address=address_text(request.address),
        applicant=ui.safe(person_name(applicant, request.applicant_user_id), 100),
        executor=_executor_text(request, executor),
        created=ui.fmt_datetime(request.created_at),
        description=ui.safe(request.description, 1200),
    )
    extra = []
    if request.completion_report:
        extra.append(ui.tr(texts.CARD_REPORT, report=ui.safe(request.completion_report, 800)))
    if request.return_reason:
        extra.append(ui.tr(texts.CARD_RETURN_REASON, reason=ui.safe(request.return_reason, 600)))
    if request.rating is not None:
        extra.append(ui.tr(texts.CARD_RATING, rating=request.rating))
    if extra:
        text += "\n\n" + "\n".join(extra)
    number, version = request.request_number, request.status_version
    rows = [
        [
            btn(ui.tr(_ACT_TEXTS[act]), ManagerActionCB(number=number, version=version, act=act))
            for act in row
        ]
        for row in _ACTIONS.get(request.status, ())
    ]
    rows.append(comments_row(number))
    back_tab = tab or tab_of(request.status)
    rows.append([btn(ui.tr(texts.BTN_BACK), RequestListCB(tab=back_tab, page=page))])
    return text, markup(rows)


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
    request: Request, group: str, page: Page[User]
) -> tuple[str, InlineKeyboardMarkup]:
    number, version = request.request_number, request.status_version
    buttons = [
        btn(
            ui.truncate(person_name(user), 40),
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
    return text, markup(rows)
