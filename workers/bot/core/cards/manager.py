"""The manager's request card: the same text and actions wherever it is opened (the request
lists, /request_status, a notification).

Actions per status follow the manager's transitions of docs/contracts.md §5, Resume included:
``purchase`` and ``clarification`` → ``in_progress``. While in ``clarification`` the card shows
the question and the answers written since.
"""

from __future__ import annotations

from typing import Final, cast

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from shared.clients.models import Request, User
from workers.bot.core.cards import texts
from workers.bot.core.cards.callbacks import ManagerAct, ManagerActionCB, ManagerListCB, Tab
from workers.bot.core.cards.extras import CardExtras, person_name
from workers.bot.core.cards.photos import photo_count, photos_row
from workers.bot.core.cards.thread import thread_text
from workers.bot.core.comments import comments_row
from workers.bot.core.ui.address import address_text
from workers.bot.core.ui.html import safe
from workers.bot.core.ui.i18n import tr
from workers.bot.core.ui.labels import (
    category_label,
    specialization_label,
    status_label,
    urgency_label,
)
from workers.bot.core.ui.numbers import fmt_count, fmt_datetime

__all__ = ["ACTION_TEXTS", "MANAGER_ACTIONS", "TABS", "manager_card", "tab_of"]

# List tabs: code → request status.
TABS: Final[dict[str, str]] = {
    "n": "new",
    "d": "done",
    "r": "returned",
    "p": "purchase",
    "c": "clarification",
}
MANAGER_ACTIONS: Final[dict[str, tuple[tuple[ManagerAct, ...], ...]]] = {
    "new": (("grp", "exe"), ("clr", "cnl")),
    "in_progress": (("exe", "clr"), ("cnl",)),
    "purchase": (("res", "clr"), ("cnl",)),
    "clarification": (("res",), ("cnl",)),
    "done": (("cnf", "rtw"), ("cnl",)),
    "confirmed": (("acc", "rtw"), ("cnl",)),
    "returned": (("acc", "rtw"), ("cnl",)),
}
ACTION_TEXTS: Final[dict[str, str]] = {
    "grp": texts.BTN_ASSIGN_GROUP,
    "exe": texts.BTN_ASSIGN_EXECUTOR,
    "cnf": texts.BTN_CONFIRM,
    "rtw": texts.BTN_RETURN_TO_WORK,
    "clr": texts.BTN_CLARIFY,
    "cnl": texts.BTN_CANCEL_REQUEST,
    "acc": texts.BTN_FORCE_ACCEPT,
    "res": texts.BTN_MANAGER_RESUME,
}


def tab_of(status: str) -> Tab:
    code = next((code for code, value in TABS.items() if value == status), "n")
    return cast("Tab", code)


def _executor_text(request: Request, executor: User | None) -> str:
    if request.executor_user_id is not None:
        return safe(person_name(executor, request.executor_user_id), 100)
    if request.assigned_group:
        return tr(texts.CARD_GROUP, group=specialization_label(request.assigned_group))
    return "—"


def manager_card(
    request: Request, extras: CardExtras, tab: Tab | None = None, page: int = 1
) -> tuple[str, InlineKeyboardMarkup]:
    text = tr(
        texts.MANAGER_CARD,
        number=safe(request.request_number),
        status=status_label(request.status),
        category=category_label(request.category),
        urgency=urgency_label(request.urgency),
        address=address_text(request.address),
        applicant=safe(person_name(extras.applicant, request.applicant_user_id), 100),
        executor=_executor_text(request, extras.executor),
        created=fmt_datetime(request.created_at),
        description=safe(request.description, 1200),
    )
    extra = []
    if request.completion_report:
        extra.append(tr(texts.CARD_REPORT, report=safe(request.completion_report, 800)))
    if request.return_reason:
        extra.append(tr(texts.CARD_RETURN_REASON, reason=safe(request.return_reason, 600)))
    if request.rating is not None:
        extra.append(tr(texts.CARD_RATING, rating=request.rating))
    if photo_count(request):
        extra.append(tr(texts.PHOTOS_COUNT, count=fmt_count(photo_count(request))))
    if extra:
        text += "\n\n" + "\n".join(extra)
    if extras.thread is not None:
        text += "\n\n" + thread_text(extras.thread)
    number, version = request.request_number, request.status_version
    rows = [
        [
            InlineKeyboardButton(
                text=tr(ACTION_TEXTS[act]),
                callback_data=ManagerActionCB(number=number, version=version, act=act).pack(),
            )
            for act in row
        ]
        for row in MANAGER_ACTIONS.get(request.status, ())
    ]
    rows.append(photos_row(request))
    rows.append(comments_row(number))
    back = ManagerListCB(tab=tab or tab_of(request.status), page=page)
    rows.append([InlineKeyboardButton(text=tr(texts.BTN_BACK), callback_data=back.pack())])
    return text, InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])
