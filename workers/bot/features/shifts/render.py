"""Text and inline keyboards of shifts: lists, the card, the week schedule, take/start/end."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from shared.clients.models import Page, Shift
from workers.bot.core import ui
from workers.bot.features.shifts import texts
from workers.bot.features.shifts.keyboards import (
    AvailableCB,
    EndAskCB,
    EndCB,
    KeepCB,
    MyShiftsCB,
    PickCB,
    ShiftCB,
    StartCB,
    TakeCB,
    WeekCB,
)

__all__ = [
    "START_EARLY",
    "available_list",
    "can_start",
    "end_summary",
    "is_current",
    "my_shifts",
    "opens_at",
    "pick_list",
    "schedule_week",
    "shift_card",
    "span",
    "take_confirm",
]

START_EARLY = dt.timedelta(minutes=60)  # S6 opens an hour before the planned start
# Room left under Telegram's 4096 for the title and the "…and N more" line.
_SCHEDULE_BUDGET = 3800


def _btn(text: str, data: object) -> InlineKeyboardButton:
    packed = data.pack() if hasattr(data, "pack") else str(data)
    return InlineKeyboardButton(text=text, callback_data=packed)


def _markup(rows: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(r) for r in rows if r])


def span(start: dt.datetime, end: dt.datetime) -> str:
    """``15.01.2025 08:00 – 20:00``, or both dates when the shift crosses midnight."""
    if ui.to_local(start).date() == ui.to_local(end).date():
        return f"{ui.fmt_datetime(start)} – {ui.fmt_time(end)}"
    return f"{ui.fmt_datetime(start)} – {ui.fmt_datetime(end)}"


def focus(shift: Shift) -> str:
    return ui.escape(", ".join(ui.specialization_label(s) for s in shift.specialization_focus))


def opens_at(shift: Shift) -> dt.datetime:
    return shift.planned_start_time - START_EARLY


def can_start(shift: Shift, now: dt.datetime) -> bool:
    return shift.status == "planned" and opens_at(shift) <= now <= shift.planned_end_time


def is_current(shift: Shift, now: dt.datetime) -> bool:
    if shift.status == "active":
        return True
    return shift.status == "planned" and shift.planned_start_time <= now <= shift.planned_end_time


def _line(shift: Shift, now: dt.datetime) -> str:
    marker = ui.tr(texts.CURRENT_MARK) + " " if is_current(shift, now) else ""
    return ui.tr(
        texts.SHIFT_LINE,
        marker=marker,
        when=span(shift.planned_start_time, shift.planned_end_time),
        status=ui.shift_status_label(shift.status),
        focus=focus(shift),
    )


def _shift_button(shift: Shift, data: object) -> InlineKeyboardButton:
    text = ui.tr(
        texts.BTN_SHIFT,
        date=ui.fmt_day(shift.planned_start_time),
        start=ui.fmt_time(shift.planned_start_time),
        end=ui.fmt_time(shift.planned_end_time),
    )
    return _btn(text, data)


def my_shifts(
    shifts: Sequence[Shift], start: dt.date, end: dt.date, now: dt.datetime
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not shifts:
        return ui.tr(texts.MY_SHIFTS_EMPTY), None
    title = ui.tr(texts.MY_SHIFTS_TITLE, start=ui.fmt_date(start), end=ui.fmt_date(end))
    lines = [title, *(_line(s, now) for s in shifts)]
    buttons = [_shift_button(s, ShiftCB(shift_id=s.id)) for s in shifts[:30]]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return "\n".join(lines), _markup(rows)


def shift_card(
    shift: Shift, now: dt.datetime, *, own: bool, back: bool = True
) -> tuple[str, InlineKeyboardMarkup]:
    text = ui.tr(
        texts.SHIFT_CARD,
        shift_id=shift.id,
        status=ui.shift_status_label(shift.status),
        start=ui.fmt_datetime(shift.planned_start_time),
        end=ui.fmt_datetime(shift.planned_end_time),
        focus=focus(shift),
        location=ui.safe(shift.location or "—", 200),
        completed=shift.completed_requests,
    )
    if shift.start_time is not None:
        actual = ui.tr(
            texts.SHIFT_CARD_ACTUAL,
            start=ui.fmt_datetime(shift.start_time),
            end=ui.fmt_datetime(shift.end_time),
        )
        text += "\n" + actual
    actions: list[InlineKeyboardButton] = []
    if own and can_start(shift, now):
        actions.append(_btn(ui.tr(texts.BTN_START), StartCB(shift_id=shift.id)))
    elif own and shift.status == "planned" and now < opens_at(shift):
        text += "\n\n" + ui.tr(texts.START_OPENS_AT, opens=ui.fmt_datetime(opens_at(shift)))
    if own and shift.status == "active":
        actions.append(_btn(ui.tr(texts.BTN_END), EndAskCB(shift_id=shift.id)))
    rows = [actions, [_btn(ui.tr(texts.BTN_BACK), MyShiftsCB())] if back else []]
    return text, _markup(rows)


def pick_list(
    title: str, shifts: Sequence[Shift], data: type[StartCB] | type[EndAskCB]
) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [_shift_button(s, data(shift_id=s.id)) for s in shifts[:20]]
    return title, _markup([[b] for b in buttons])


def end_summary(shift: Shift, open_requests: int, pool: int) -> tuple[str, InlineKeyboardMarkup]:
    text = ui.tr(
        texts.END_SUMMARY,
        shift_id=shift.id,
        start=ui.fmt_datetime(shift.start_time or shift.planned_start_time),
        open_requests=open_requests,
        pool=pool,
    )
    rows = [
        [
            _btn(ui.tr(texts.BTN_CONFIRM_END), EndCB(shift_id=shift.id)),
            _btn(ui.tr(texts.BTN_KEEP), KeepCB()),
        ]
    ]
    return text, _markup(rows)


def available_list(page: Page[Shift], now: dt.datetime) -> tuple[str, InlineKeyboardMarkup | None]:
    if not page.items:
        return ui.tr(texts.TAKE_EMPTY), None
    lines = [
        ui.tr(texts.TAKE_TITLE, total=ui.fmt_count(page.total)),
        *(_line(s, now) for s in page.items),
    ]
    buttons = [_shift_button(s, PickCB(shift_id=s.id, page=page.page)) for s in page.items]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append(ui.pager_row(page.page, page.pages, lambda p: AvailableCB(page=p)))
    return "\n".join(lines), _markup(rows)


def take_confirm(shift: Shift, page: int, now: dt.datetime) -> tuple[str, InlineKeyboardMarkup]:
    card, _ = shift_card(shift, now, own=False, back=False)
    rows = [
        [_btn(ui.tr(texts.BTN_TAKE), TakeCB(shift_id=shift.id, page=page))],
        [_btn(ui.tr(texts.BTN_BACK), AvailableCB(page=page))],
    ]
    return ui.tr(texts.TAKE_CONFIRM, card=card), _markup(rows)


def schedule_week(
    shifts: Sequence[Shift],
    monday: dt.date,
    executors: Mapping[int, str] | None,
) -> tuple[str, InlineKeyboardMarkup]:
    """One week, by day; ``executors`` (id → name) shows who works, for a manager's view."""
    sunday = monday + dt.timedelta(days=6)
    title = ui.tr(texts.SCHEDULE_TITLE, start=ui.fmt_date(monday), end=ui.fmt_date(sunday))
    lines: list[str] = [title]
    if not shifts:
        lines.append(ui.tr(texts.SCHEDULE_EMPTY))
    used, shown, day = len(title), 0, None
    for shift in shifts:
        shift_day = ui.to_local(shift.planned_start_time).date()
        entry = (
            [] if shift_day == day else ["", ui.tr(texts.SCHEDULE_DAY, day=ui.fmt_date(shift_day))]
        )
        entry.append(_schedule_line(shift, executors))
        size = sum(len(e) + 1 for e in entry)
        if used + size > _SCHEDULE_BUDGET:
            lines += ["", ui.tr(texts.SCHEDULE_MORE, count=len(shifts) - shown)]
            break
        lines += entry
        used, shown, day = used + size, shown + 1, shift_day
    prev_week, next_week = monday - dt.timedelta(days=7), monday + dt.timedelta(days=7)
    row = [
        _btn(ui.tr(texts.BTN_PREV_WEEK), WeekCB(monday=prev_week.isoformat())),
        _btn(ui.tr(texts.BTN_NEXT_WEEK), WeekCB(monday=next_week.isoformat())),
    ]
    return "\n".join(lines), _markup([row])


def _schedule_line(shift: Shift, executors: Mapping[int, str] | None) -> str:
    values = {
        "start": ui.fmt_time(shift.planned_start_time),
        "end": ui.fmt_time(shift.planned_end_time),
        "status": ui.shift_status_label(shift.status),
        "focus": focus(shift),
    }
    if executors is None:
        return ui.tr(texts.SCHEDULE_LINE, **values)
    if shift.executor_user_id is None:
        who = ui.tr(texts.SCHEDULE_OPEN)
    else:
        who = ui.safe(executors.get(shift.executor_user_id, f"#{shift.executor_user_id}"), 60)
    return ui.tr(texts.SCHEDULE_LINE_WHO, executor=who, **values)
