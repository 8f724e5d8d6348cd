"""A notification as the recipient sees it: text (HTML), buttons and photos, in their language.

Buttons carry the callback data of the flows they open (the request card, the clarification
reply, acceptance, the executor's card and pool, the manager's card and /users, the shift card),
built with the same ``CallbackData`` classes the features use (:mod:`workers.bot.core.cards.
callbacks`), so pressing one continues exactly as if the user had navigated there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from pydantic import ValidationError

from shared.logs import get_logger
from workers.bot.core import ui
from workers.bot.core.cards.callbacks import (
    ApplicantCardCB,
    CardAct,
    ExecutorCardCB,
    ManagerCardCB,
    ManagerListCB,
    PoolCB,
    ShiftCB,
    UserCardCB,
    UsersCB,
)
from workers.bot.core.ui.menu import MenuState, build_main_menu
from workers.bot.notifications import texts
from workers.bot.notifications.model import Notice, Recipient

__all__ = [
    "Rendered",
    "address_line",
    "render",
    "render_folded",
    "short_line",
]

log = get_logger(__name__)

DESCRIPTION_MAX = 500
REPORT_MAX = 1000
COMMENT_MAX = 1000
LINES_MAX = 20


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    markup: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None
    photos: Sequence[str] = field(default_factory=tuple)


def _to(notice: Notice) -> Recipient:
    if notice.to is None:
        raise ValueError("a notice without a recipient")
    return notice.to


def _button(text: str, data: Callable[[], CallbackData]) -> list[InlineKeyboardButton]:
    """A row of one button opening ``data``, or of none when the event's values cannot make it
    (a request number or id outside the contract: the flow it opens would refuse it anyway)."""
    try:
        packed = data().pack()
    except ValidationError as exc:
        log.warning("notification_button_left_out", errors=exc.error_count())
        return []
    return [InlineKeyboardButton(text=text, callback_data=packed)]


def _rows(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[r for r in rows if r])


def address_line(address: Any, locale: str) -> str:
    if not isinstance(address, dict):
        return ""
    parts = [address.get("yard_name"), address.get("building_address")]
    if address.get("apartment_number"):
        parts.append(f"{'кв.' if locale == 'ru' else 'xonadon'} {address['apartment_number']}")
    return ui.safe(", ".join(str(p) for p in parts if p), 200)


def _parse(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def open_button(notice: Notice, number: str, locale: str) -> list[InlineKeyboardButton]:
    """The card of the request as the recipient's role sees it."""
    role = _to(notice).role
    card: Callable[[], CallbackData] = (
        partial(ExecutorCardCB, number=number)
        if role == "executor"
        else partial(ManagerCardCB, number=number)
        if role == "manager"
        else partial(ApplicantCardCB, act="v", number=number)
    )
    return _button(ui.tr(texts.BTN_OPEN, locale), card)


def _applicant_action(act: CardAct, number: str, version: int) -> Callable[[], CallbackData]:
    return partial(ApplicantCardCB, act=act, number=number, ver=version)


def _request_values(notice: Notice, locale: str) -> dict[str, str]:
    r = notice.request
    return {
        "number": ui.escape(r.get("request_number", "")),
        "category": ui.escape(ui.category_label(r.get("category"), locale)),
        "urgency": ui.escape(ui.urgency_label(r.get("urgency"), locale)),
        "address": address_line(r.get("address"), locale),
        "description": ui.safe(r.get("description"), DESCRIPTION_MAX),
    }


def render(notice: Notice) -> Rendered:  # noqa: C901 - one branch per kind, kept side by side
    """The message of one notification (not a folded batch: :func:`render_folded`)."""
    locale = _to(notice).lang
    kind = notice.kind
    p = notice.payload
    r = notice.request
    number = str(r.get("request_number", ""))
    version = int(r.get("status_version") or 0)
    values = _request_values(notice, locale)
    comment = p.get("comment") if isinstance(p.get("comment"), str) else None

    if kind == "applicant.clarification":
        text = ui.tr(
            texts.CLARIFICATION, locale, number=values["number"], question=ui.safe(comment, 2000)
        )
        reply = _button(ui.tr(texts.BTN_REPLY, locale), _applicant_action("rep", number, version))
        return Rendered(text, _rows(reply, open_button(notice, number, locale)))
    if kind == "applicant.done":
        report = r.get("completion_report") or ui.tr(texts.NO_REPORT, locale)
        report = ui.safe(report, REPORT_MAX)
        text = ui.tr(texts.DONE_APPLICANT, locale, number=values["number"], report=report)
        photos = [str(f) for f in r.get("completion_media") or []]
        return Rendered(text, _rows(open_button(notice, number, locale)), photos)
    if kind == "applicant.confirmed":
        report = r.get("completion_report") or ui.tr(texts.NO_REPORT, locale)
        text = ui.tr(
            texts.CONFIRMED_APPLICANT,
            locale,
            number=values["number"],
            report=ui.safe(report, REPORT_MAX),
        )
        markup = None
        if r.get("acceptance_mode", "resident") == "resident":
            markup = _rows(
                [
                    *_button(
                        ui.tr(texts.BTN_ACCEPT, locale), _applicant_action("acc", number, version)
                    ),
                    *_button(
                        ui.tr(texts.BTN_RETURN, locale), _applicant_action("ret", number, version)
                    ),
                ],
                open_button(notice, number, locale),
            )
        photos = [str(f) for f in r.get("completion_media") or []]
        return Rendered(text, markup or _rows(open_button(notice, number, locale)), photos)
    if kind in ("applicant.cancelled", "executor.cancelled"):
        reason = ui.safe(comment, COMMENT_MAX) if comment else ui.tr(texts.NO_REASON, locale)
        applicant = kind == "applicant.cancelled"
        msg = texts.CANCELLED_APPLICANT if applicant else texts.EXECUTOR_CANCELLED
        return Rendered(ui.tr(msg, locale, number=values["number"], reason=reason))
    if kind == "applicant.status":
        lines = [
            ui.tr(
                texts.STATUS_CHANGED,
                locale,
                number=values["number"],
                status=ui.escape(ui.status_label(p.get("new_status"), locale)),
            )
        ]
        name = notice.extra.get("executor_name")
        if isinstance(name, str) and name:
            lines.append(ui.tr(texts.EXECUTOR_LINE, locale, name=ui.safe(name, 100)))
        if comment:
            lines.append(ui.tr(texts.COMMENT_LINE, locale, comment=ui.safe(comment, COMMENT_MAX)))
        return Rendered("\n".join(lines), _rows(open_button(notice, number, locale)))
    if kind == "executor.assigned":
        text = ui.tr(texts.ASSIGNED, locale, **values)
        return Rendered(text, _rows(open_button(notice, number, locale)))
    if kind == "executor.rework":
        reason = ui.safe(comment, COMMENT_MAX) if comment else ui.tr(texts.NO_REASON, locale)
        text = ui.tr(texts.REWORK, locale, number=values["number"], reason=reason)
        return Rendered(text, _rows(open_button(notice, number, locale)))
    if kind == "executor.pool":
        text = ui.tr(texts.POOL_ONE, locale, **values)
        return Rendered(text, _rows(_button(ui.tr(texts.BTN_POOL, locale), PoolCB)))
    if kind == "manager.new":
        text = ui.tr(texts.MANAGER_NEW, locale, **values)
        photos = [str(f) for f in r.get("media_files") or []]
        return Rendered(text, _rows(open_button(notice, number, locale)), photos)
    if kind == "manager.done":
        report = r.get("completion_report") or ui.tr(texts.NO_REPORT, locale)
        text = ui.tr(
            texts.MANAGER_DONE, locale, number=values["number"], report=ui.safe(report, REPORT_MAX)
        )
        photos = [str(f) for f in r.get("completion_media") or []]
        return Rendered(text, _rows(open_button(notice, number, locale)), photos)
    if kind == "manager.returned":
        why = r.get("return_reason") or comment
        text = ui.tr(
            texts.MANAGER_RETURNED,
            locale,
            number=values["number"],
            reason=ui.safe(why, COMMENT_MAX) if why else ui.tr(texts.NO_REASON, locale),
        )
        return Rendered(text, _rows(open_button(notice, number, locale)))
    if kind == "comment":
        c: dict[str, Any] = p.get("comment") or {}
        author = str(notice.extra.get("author_name") or "")
        if c.get("is_internal"):
            author = f"{author} {ui.tr(texts.INTERNAL_MARK, locale)}".strip()
        text = ui.tr(
            texts.COMMENT_ADDED,
            locale,
            number=values["number"],
            author=ui.safe(author or "—", 100),
            text=ui.safe(c.get("comment_text"), COMMENT_MAX),
        )
        photos = [str(f) for f in c.get("media_files") or []]
        return Rendered(text, _rows(open_button(notice, number, locale)), photos)
    if kind in ("shift.assigned", "shift.starting"):
        shift: dict[str, Any] = p.get("shift") or {}
        msg = texts.SHIFT_ASSIGNED if kind == "shift.assigned" else texts.SHIFT_STARTING
        text = ui.tr(
            msg,
            locale,
            start=ui.fmt_datetime(_parse(shift.get("planned_start_time"))),
            end=ui.fmt_time(_parse(shift.get("planned_end_time"))),
            location=ui.safe(shift.get("location") or "", 200),
        )
        card = partial(ShiftCB, shift_id=int(shift.get("id") or 0))
        return Rendered(text, _rows(_button(ui.tr(texts.BTN_SHIFT, locale), card)))
    if kind == "user.approved":
        user: dict[str, Any] = p.get("user") or {}
        roles = [str(x) for x in user.get("roles") or []]
        active: str | None = user.get("active_role") or (roles[0] if roles else None)
        state = MenuState(active_role=active, roles=tuple(roles))
        return Rendered(ui.tr(texts.USER_APPROVED, locale), build_main_menu(state, locale))
    if kind == "user.blocked":
        return Rendered(ui.tr(texts.USER_BLOCKED, locale), ReplyKeyboardRemove())
    if kind == "user.apartment":
        address: dict[str, Any] = p.get("address") or {}
        where = ui.safe(
            ", ".join(
                str(x)
                for x in (address.get("building_address"), address.get("apartment_number"))
                if x
            ),
            200,
        )
        if address.get("status") == "approved":
            return Rendered(ui.tr(texts.APARTMENT_APPROVED, locale, address=where))
        comment_text = address.get("admin_comment") or ui.tr(texts.NO_REASON, locale)
        return Rendered(
            ui.tr(
                texts.APARTMENT_REJECTED,
                locale,
                address=where,
                comment=ui.safe(comment_text, COMMENT_MAX),
            )
        )
    if kind in ("manager.user_pending", "manager.apartment_pending"):
        return _pending(notice, locale)
    raise ValueError(f"unknown notification kind {kind!r}")


def _person(notice: Notice) -> dict[str, Any]:
    value: dict[str, Any] = notice.payload.get("user") or {}
    return value


def _person_name(person: dict[str, Any]) -> str:
    name = " ".join(str(p) for p in (person.get("first_name"), person.get("last_name")) if p)
    if not name and person.get("username"):
        name = f"@{person['username']}"
    return ui.safe(name or f"#{person.get('id', '')}", 100)


def _pending(notice: Notice, locale: str) -> Rendered:
    """A user (or an approved user's new apartment link) waiting for a manager's approval."""
    person = _person(notice)
    name = _person_name(person)
    user_pending = notice.kind == "manager.user_pending"
    lines = [
        ui.tr(texts.USER_PENDING if user_pending else texts.APARTMENT_PENDING, locale, name=name)
    ]
    if user_pending and person.get("phone"):
        lines.append(ui.tr(texts.PHONE_LINE, locale, phone=ui.safe(person["phone"], 32)))
    where = address_line(notice.payload.get("address"), locale)
    if where:
        lines.append(ui.tr(texts.ADDRESS_LINE, locale, address=where))
    staff = [str(r) for r in person.get("roles") or [] if r != "applicant"]
    if user_pending and staff:
        roles = ", ".join(ui.role_label(r, locale) for r in staff)
        lines.append(ui.tr(texts.ROLES_LINE, locale, roles=ui.safe(roles, 200)))
    card = partial(UserCardCB, user_id=int(person.get("id") or 0))
    return Rendered("\n".join(lines), _rows(_button(ui.tr(texts.BTN_USER, locale), card)))


def short_line(notice: Notice) -> str:
    """One line of a folded summary."""
    locale = _to(notice).lang
    if notice.kind in ("manager.user_pending", "manager.apartment_pending"):
        where = address_line(notice.payload.get("address"), locale)
        name = _person_name(_person(notice))
        return f"{name} · {where}" if where else name
    values = _request_values(notice, locale)
    return ui.tr(texts.REQUEST_LINE, locale, **values)


def render_folded(kind: str, notices: Sequence[Notice]) -> Rendered:
    """Several held notices of one foldable kind as one message."""
    first = notices[0]
    locale = _to(first).lang
    lines = [short_line(n) for n in notices[:LINES_MAX]]
    if len(notices) > LINES_MAX:
        lines.append(ui.tr(texts.MORE_LINES, locale, count=len(notices) - LINES_MAX))
    body = "\n".join(lines)
    if kind == "executor.pool":
        text = ui.tr(texts.POOL_MANY, locale, count=len(notices), lines=body)
        return Rendered(text, _rows(_button(ui.tr(texts.BTN_POOL, locale), PoolCB)))
    if kind == "manager.pending":
        text = ui.tr(texts.PENDING_DIGEST, locale, count=len(notices), lines=body)
        return Rendered(text, _rows(_button(ui.tr(texts.BTN_PENDING, locale), UsersCB)))
    text = ui.tr(texts.MANAGER_DIGEST, locale, count=len(notices), lines=body)
    return Rendered(text, _rows(_button(ui.tr(texts.BTN_REQUESTS, locale), ManagerListCB)))
