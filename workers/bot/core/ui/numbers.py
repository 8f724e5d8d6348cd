"""Numbers and dates as each locale writes them: the one place features format them.

Russian and Uzbek both write a decimal comma and group thousands with a (non-breaking) space:
``4,7`` and ``1 234`` (CLDR ``ru`` and ``uz-Latn``), never Python's ``4.7``. Dates follow
docs/behaviour.md §4 (``DD.MM.YYYY HH:MM`` in Asia/Tashkent) in both locales; the patterns are
still kept per locale here so that a third language changes one table, not every feature.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from aiogram.utils.i18n import I18n

from workers.bot.core.ui.dates import EMPTY, to_local

__all__ = [
    "LocaleFormat",
    "current_locale",
    "fmt_count",
    "fmt_date",
    "fmt_datetime",
    "fmt_day",
    "fmt_number",
    "fmt_time",
    "locale_format",
]

NBSP: Final = "\u00a0"


@dataclass(frozen=True, slots=True)
class LocaleFormat:
    decimal: str
    group: str
    date: str
    datetime: str
    day: str  # a day of a week view: ``14.01``
    time: str


_FORMATS: Final[dict[str, LocaleFormat]] = {
    "ru": LocaleFormat(",", NBSP, "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m", "%H:%M"),
    "uz": LocaleFormat(",", NBSP, "%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m", "%H:%M"),
}
_DEFAULT: Final = "ru"


def current_locale() -> str:
    """The update's locale (set by the i18n middleware); Russian outside an update."""
    i18n = I18n.get_current(no_error=True)
    locale = i18n.current_locale if i18n is not None else _DEFAULT
    return locale if locale in _FORMATS else _DEFAULT


def locale_format(locale: str | None = None) -> LocaleFormat:
    return _FORMATS.get(locale or current_locale(), _FORMATS[_DEFAULT])


def _group(digits: str, sep: str) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head], *(digits[i : i + 3] for i in range(head, len(digits), 3))]
    return sep.join(parts)


def fmt_number(value: float | int | None, digits: int = 1, locale: str | None = None) -> str:
    """``4,7`` / ``19,5`` / ``1 234,0``: ``digits`` after the comma, thousands grouped;
    ``—`` for no value."""
    if value is None:
        return EMPTY
    form = locale_format(locale)
    text = f"{abs(value):.{max(0, digits)}f}"
    whole, _, fraction = text.partition(".")
    sign = "-" if value < 0 and float(text) != 0 else ""
    body = _group(whole, form.group)
    return f"{sign}{body}{form.decimal}{fraction}" if fraction else f"{sign}{body}"


def fmt_count(value: int, locale: str | None = None) -> str:
    """A whole number with its thousands grouped: ``12 345``."""
    return fmt_number(value, 0, locale)


def fmt_datetime(value: dt.datetime | None, locale: str | None = None) -> str:
    """``14.01.2025 14:30`` in Tashkent time; ``—`` for no value."""
    if value is None:
        return EMPTY
    return to_local(value).strftime(locale_format(locale).datetime)


def fmt_date(value: dt.datetime | dt.date | None, locale: str | None = None) -> str:
    """``14.01.2025``; a datetime is converted to Tashkent first, a date is shown as it is."""
    if value is None:
        return EMPTY
    if isinstance(value, dt.datetime):
        value = to_local(value)
    return value.strftime(locale_format(locale).date)


def fmt_day(value: dt.datetime | dt.date | None, locale: str | None = None) -> str:
    """``14.01``: a day inside a week the message already names."""
    if value is None:
        return EMPTY
    if isinstance(value, dt.datetime):
        value = to_local(value)
    return value.strftime(locale_format(locale).day)


def fmt_time(value: dt.datetime | None, locale: str | None = None) -> str:
    """``14:30`` in Tashkent time."""
    return EMPTY if value is None else to_local(value).strftime(locale_format(locale).time)
