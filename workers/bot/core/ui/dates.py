"""Dates as users read them: Asia/Tashkent, ``DD.MM.YYYY HH:MM`` and ``DD.MM.YYYY``.

Services send UTC; a naive value is taken as UTC too. Uzbekistan has kept UTC+5 without
daylight saving since 1992, so the fixed offset is the fallback when the system has no tz data.
"""

from __future__ import annotations

import datetime as dt
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "TASHKENT",
    "fmt_date",
    "fmt_datetime",
    "fmt_time",
    "local_now",
    "local_today",
    "to_local",
]


def _zone() -> dt.tzinfo:
    try:
        return ZoneInfo("Asia/Tashkent")
    except ZoneInfoNotFoundError:
        return dt.timezone(dt.timedelta(hours=5), "Asia/Tashkent")


TASHKENT: Final[dt.tzinfo] = _zone()
EMPTY: Final = "—"


def to_local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(TASHKENT)


def fmt_datetime(value: dt.datetime | None) -> str:
    """``14.01.2025 14:30`` in Tashkent time; ``—`` for no value."""
    return EMPTY if value is None else to_local(value).strftime("%d.%m.%Y %H:%M")


def fmt_date(value: dt.datetime | dt.date | None) -> str:
    """``14.01.2025``; a datetime is converted to Tashkent first, a date is shown as it is."""
    if value is None:
        return EMPTY
    if isinstance(value, dt.datetime):
        value = to_local(value)
    return value.strftime("%d.%m.%Y")


def fmt_time(value: dt.datetime | None) -> str:
    """``14:30`` in Tashkent time."""
    return EMPTY if value is None else to_local(value).strftime("%H:%M")


def local_now() -> dt.datetime:
    return dt.datetime.now(TASHKENT)


def local_today() -> dt.date:
    return local_now().date()
