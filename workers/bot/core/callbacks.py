"""Field types of callback data: button data is untrusted input, validated before a handler runs.

Anyone can send any ``callback_data`` with a forged update or a modified client, so every field of
every :class:`~aiogram.filters.callback_data.CallbackData` is declared with one of these types (or a
``Literal`` of its codes). aiogram's ``CallbackData.filter()`` unpacks through pydantic: a value
that does not fit makes the filter not match, the handler never runs, and the fallback answers the
press as a stale button. So a handler only ever sees, for example, a request number of the form
``YYMMDD-NNN`` — never ``x/../../users/5``.
"""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import Field

__all__ = [
    "NUMBER_PATTERN",
    "Code",
    "Count",
    "Draft",
    "Id",
    "IsoDate",
    "Mask",
    "OptionalId",
    "Page",
    "RequestNumber",
    "ShortKey",
    "Version",
]

# Request numbers: YYMMDD-NNN, the sequence may grow past 999.
NUMBER_PATTERN: Final = r"^\d{6}-\d{3,7}$"
# The services' ids are 32-bit.
MAX_ID: Final = 2**31 - 1

RequestNumber = Annotated[str, Field(pattern=NUMBER_PATTERN)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
OptionalId = Annotated[int, Field(ge=0, le=MAX_ID)]  # 0: none chosen yet
Version = Annotated[int, Field(ge=0, lt=2**31)]
Page = Annotated[int, Field(ge=1, le=99_999)]
Mask = Annotated[int, Field(ge=0, lt=2**16)]
Count = Annotated[int, Field(ge=0, le=10_000)]  # days, hours, ratings, item indexes
Draft = Annotated[int, Field(ge=0, lt=2**53)]
# A short code of ours: a category, a specialisation, a tab, a cache key.
Code = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,24}$")]
ShortKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{0,24}$")]
IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$")]
