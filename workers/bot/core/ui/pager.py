"""A generic pager row: ``◀  2 / 5  ▶`` under a list that is edited in place.

Each feature passes a function from a page number to its own callback data (so the page button
carries the feature's filters), or uses :class:`PageCB` with a short ``scope``. The middle button
only shows where the user is: it carries :class:`NoopCB`, which the common router answers
silently.

:func:`page_or_last` reads a page of a list for such a pager: a button drawn when the list was
longer may ask for a page past its end, and then the last page is shown instead.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton
from pydantic import Field

from shared.clients.models import Page
from workers.bot.core.ui import texts
from workers.bot.core.ui.i18n import tr

__all__ = ["NEXT", "PREV", "NoopCB", "PageCB", "page_or_last", "pager_row"]

T = TypeVar("T")

PREV = "◀"
NEXT = "▶"


class PageCB(CallbackData, prefix="pg"):
    """``pg:<scope>:<page>``: a page of the list named by ``scope`` (≤ 16 characters)."""

    scope: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]{1,16}$")]
    page: Annotated[int, Field(ge=1, le=99_999)]


class NoopCB(CallbackData, prefix="noop"):
    """A button that only shows something (the page number); answered without an alert."""


def pager_row(
    page: int,
    pages: int,
    data: Callable[[int], CallbackData | str],
    locale: str | None = None,
) -> list[InlineKeyboardButton]:
    """◀ (when not on the first page), ``page / pages``, ▶ (when not on the last); empty for one
    page. Pages count from 1."""
    if pages <= 1:
        return []

    def packed(target: int) -> str:
        value = data(target)
        return value if isinstance(value, str) else value.pack()

    row: list[InlineKeyboardButton] = []
    if page > 1:
        row.append(InlineKeyboardButton(text=PREV, callback_data=packed(page - 1)))
    row.append(
        InlineKeyboardButton(
            text=tr(texts.PAGE_OF, locale, page=page, pages=pages),
            callback_data=NoopCB().pack(),
        )
    )
    if page < pages:
        row.append(InlineKeyboardButton(text=NEXT, callback_data=packed(page + 1)))
    return row


async def page_or_last(read: Callable[[int], Awaitable[Page[T]]], page: int) -> Page[T]:
    """Page ``page`` as ``read`` returns it, or the list's last page when the list has shrunk
    below ``page`` since its pager was drawn (read again until it fits)."""
    found = await read(page)
    while not found.items and found.pages and page > found.pages:
        page = found.pages
        found = await read(page)
    return found
