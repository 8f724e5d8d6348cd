"""Asia/Tashkent time: what the services' UTC means locally (formatting: :mod:`.numbers`).

Services send UTC; a naive value is taken as UTC too. Uzbekistan has kept UTC+5 without
daylight saving since 1992, so the fixed offset is the fallback when the system has no tz data.
"Now" and "today" of what the user sees come from the gateway's clock (:mod:`shared.clock`):
``to_local(await clock.now())``. ``local_now`` is the system clock, only for a wall time that a
real duration ends at (the rate limit's "try again at", counted by Redis's own time).
"""

from __future__ import annotations

import datetime as dt
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "EMPTY",
    "TASHKENT",
    "local_now",
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


def local_now() -> dt.datetime:
    return dt.datetime.now(TASHKENT)
