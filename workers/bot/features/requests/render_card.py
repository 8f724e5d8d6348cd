"""The request card: every field the applicant may see, and the actions open to them.

Applicant actions depend on the status (docs/behaviour.md §2): Cancel while ``new``, Reply while
``clarification`` (the manager's question is shown), Accept / Return once ``confirmed``. They are
offered to the request's owner only, and carry the ``status_version`` shown, so a button from an
older card is recognised as stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from shared.clients.models.requests import Request
from workers.bot.core import ui
from workers.bot.core.cards import Thread, photo_count, photos_row
from workers.bot.core.cards.thread import answers_text
from workers.bot.core.comments import comments_row
from workers.bot.features.requests import texts
from workers.bot.features.requests.acceptance.keyboards import AcceptListCb
from workers.bot.features.requests.addresses import address_label
from workers.bot.features.requests.keyboards import Back, CardAct, CardCb
from workers.bot.features.requests.render_create import button, markup

__all__ = ["CardView", "back_button", "card_markup", "card_text", "stars"]

# Parts of the card are capped so that the whole stays well under 4096 characters.
DESCRIPTION_LIMIT: Final = 1500
REPORT_LIMIT: Final = 800
NOTE_LIMIT: Final = 500
NAME_LIMIT: Final = 64


@dataclass(frozen=True, slots=True)
class CardView:
    """What a card shows besides the request: who executes it and the open question with its
    answers."""

    request: Request
    executor_name: str | None = None
    thread: Thread | None = None
    # The viewer owns the request (applicant actions are offered).
    owner: bool = False


def stars(rating: int) -> str:
    rating = max(0, min(5, rating))
    return "★" * rating + "☆" * (5 - rating)


def card_text(view: CardView) -> str:
    request = view.request
    executor = (
        ui.safe(view.executor_name, NAME_LIMIT)
        if view.executor_name
        else ui.tr(texts.CARD_NO_EXECUTOR)
    )
    lines = [
        ui.tr(texts.CARD_TITLE, number=ui.escape(request.request_number)),
        ui.tr(texts.CARD_STATUS, status=ui.escape(ui.status_label(request.status))),
        ui.tr(texts.CARD_CATEGORY, category=ui.escape(ui.category_label(request.category))),
        ui.tr(texts.CARD_URGENCY, urgency=ui.escape(ui.urgency_label(request.urgency))),
        ui.tr(texts.CARD_ADDRESS, address=address_label(request.address)),
        ui.tr(texts.CARD_EXECUTOR, executor=executor),
        ui.tr(texts.CARD_CREATED, date=ui.fmt_datetime(request.created_at)),
    ]
    if request.completed_at is not None:
        lines.append(ui.tr(texts.CARD_COMPLETED, date=ui.fmt_datetime(request.completed_at)))
    if request.closed_at is not None:
        lines.append(ui.tr(texts.CARD_CLOSED, date=ui.fmt_datetime(request.closed_at)))
    if request.rating is not None:
        lines.append(ui.tr(texts.CARD_RATING, stars=stars(request.rating)))
    if photo_count(request):
        lines.append(ui.tr(texts.CARD_MEDIA, count=ui.fmt_count(photo_count(request))))
    sections = [
        ui.tr(texts.CARD_DESCRIPTION, description=ui.safe(request.description, DESCRIPTION_LIMIT))
    ]
    if view.thread is not None:
        question = ui.tr(texts.CARD_QUESTION, question=ui.safe(view.thread.question, NOTE_LIMIT))
        answers = answers_text(view.thread)
        sections.append(f"{question}\n{answers}" if answers else question)
    if request.completion_report:
        sections.append(
            ui.tr(texts.CARD_REPORT, report=ui.safe(request.completion_report, REPORT_LIMIT))
        )
    if request.return_reason:
        sections.append(
            ui.tr(texts.CARD_RETURN_REASON, reason=ui.safe(request.return_reason, NOTE_LIMIT))
        )
    return "\n".join(lines) + "\n\n" + "\n\n".join(sections)


# The applicant's actions per status, in button order.
_ACTIONS: Final[dict[str, tuple[tuple[CardAct, str], ...]]] = {
    "new": (("cx", texts.BTN_CANCEL_REQUEST),),
    "clarification": (("rep", texts.BTN_REPLY),),
    "confirmed": (("acc", texts.BTN_ACCEPT), ("ret", texts.BTN_RETURN)),
}


def back_button(back: Back) -> InlineKeyboardButton | None:
    if back.kind == "list":
        return button(ui.tr(texts.BTN_TO_LIST), back.list_cb())
    if back.kind == "accept":
        return button(ui.tr(texts.BTN_TO_LIST), AcceptListCb(page=back.page))
    return None


def card_markup(view: CardView, back: Back) -> InlineKeyboardMarkup | None:
    request = view.request
    rows: list[list[InlineKeyboardButton]] = []
    if view.owner:
        rows.append(
            [
                button(
                    ui.tr(label),
                    CardCb(
                        act=act,
                        number=request.request_number,
                        ver=request.status_version,
                        back=back.pack(),
                    ),
                )
                for act, label in _ACTIONS.get(request.status, ())
            ]
        )
    rows.append(photos_row(request))
    if view.owner and request.status not in ("accepted", "cancelled"):
        rows.append(comments_row(request.request_number))
    back_row = back_button(back)
    if back_row is not None:
        rows.append([back_row])
    keyboard = markup(rows)
    return keyboard if keyboard.inline_keyboard else None
