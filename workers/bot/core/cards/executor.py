"""The executor's request card: the same text and work actions wherever it is opened (the active
list, /my_requests, /request_status, a notification).

Actions follow the status (docs/contracts.md §5, the assigned executor): Purchase and Complete
while ``in_progress``, Resume from ``purchase`` or ``clarification``. They are offered only to
the executor the request is assigned to; anyone else (a pool executor looking at it) gets the
card without them.
"""

from __future__ import annotations

from typing import Final

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from shared.clients.models import Request
from workers.bot.core.cards import texts
from workers.bot.core.cards.callbacks import ExecutorActionCB, ExecutorListCB, WorkAction
from workers.bot.core.cards.extras import CardExtras
from workers.bot.core.cards.photos import photo_count, photos_row
from workers.bot.core.cards.thread import thread_text
from workers.bot.core.comments import comments_row
from workers.bot.core.ui.address import address_text
from workers.bot.core.ui.html import safe
from workers.bot.core.ui.i18n import tr
from workers.bot.core.ui.labels import category_label, status_label, urgency_label
from workers.bot.core.ui.numbers import fmt_count, fmt_datetime

__all__ = ["DESCRIPTION_LIMIT", "executor_card", "executor_list_back"]

DESCRIPTION_LIMIT: Final = 1500
REPORT_LIMIT: Final = 1000
_ACTIONS: Final[dict[str, tuple[tuple[WorkAction, str], ...]]] = {
    "in_progress": (("pur", texts.BTN_PURCHASE), ("cmp", texts.BTN_COMPLETE)),
    "purchase": (("res", texts.BTN_RESUME),),
    "clarification": (("res", texts.BTN_RESUME),),
}


def executor_list_back(page: int = 1) -> InlineKeyboardButton:
    """The card's way back to the executor's active list."""
    return InlineKeyboardButton(
        text=tr(texts.BTN_BACK), callback_data=ExecutorListCB(page=page).pack()
    )


def _button(text: str, data: ExecutorActionCB) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def executor_card(
    request: Request,
    extras: CardExtras,
    viewer_id: int | None,
    back: InlineKeyboardButton | None,
) -> tuple[str, InlineKeyboardMarkup]:
    text = tr(
        texts.EXECUTOR_CARD,
        number=safe(request.request_number),
        status=status_label(request.status),
        category=category_label(request.category),
        urgency=urgency_label(request.urgency),
        address=address_text(request.address),
        created=fmt_datetime(request.created_at),
        description=safe(request.description, DESCRIPTION_LIMIT),
    )
    sections = []
    if extras.thread is not None:
        sections.append(thread_text(extras.thread))
    if request.completion_report:
        sections.append(tr(texts.CARD_REPORT, report=safe(request.completion_report, REPORT_LIMIT)))
    if photo_count(request):
        sections.append(tr(texts.PHOTOS_COUNT, count=fmt_count(photo_count(request))))
    if sections:
        text += "\n\n" + "\n\n".join(sections)
    number, version = request.request_number, request.status_version
    actions: list[InlineKeyboardButton] = []
    if viewer_id is not None and request.executor_user_id == viewer_id:
        actions = [
            _button(tr(label), ExecutorActionCB(number=number, version=version, action=act))
            for act, label in _ACTIONS.get(request.status, ())
        ]
    rows = [actions, photos_row(request), comments_row(number), [back] if back else []]
    return text, InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])
