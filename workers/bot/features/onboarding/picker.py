"""The apartment picker: yard (U14) → building (U15) → apartment (U16), 8 per page.

Each view is ``(text, keyboard)`` for one message edited in place. An id that no longer resolves
(a yard closed, a page shrank) gives ``None``: the caller answers "outdated".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from aiogram.types import InlineKeyboardMarkup

from shared.clients import ServiceClients, ServiceNotFound
from shared.clients.models.common import Page
from workers.bot.core.ui import page_or_last, safe, tr
from workers.bot.features.onboarding import texts
from workers.bot.features.onboarding.keyboards import (
    PAGE_SIZE,
    ApCB,
    apartment_keyboard,
    building_keyboard,
    confirm_keyboard,
    yard_keyboard,
)

__all__ = [
    "Names",
    "View",
    "apartments_view",
    "buildings_view",
    "confirm_view",
    "names_of",
    "yards_view",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class View:
    text: str
    markup: InlineKeyboardMarkup


@dataclass(frozen=True, slots=True)
class Names:
    yard: str
    building: str
    number: str


def _pages(page: Page[Any]) -> int:
    return max(page.pages, 1)


async def yards_view(clients: ServiceClients, page: int, locale: str | None = None) -> View:
    result = await page_or_last(lambda p: clients.users.yards(page=p, size=PAGE_SIZE), page)
    items = [(yard.id, yard.name) for yard in result.items]
    text = tr(texts.PICK_YARD, locale) if items else tr(texts.PICK_EMPTY, locale)
    return View(text, yard_keyboard(items, result.page, _pages(result), locale))


async def _yard_name(clients: ServiceClients, yard_id: int, yard_page: int) -> str | None:
    yards = await clients.users.yards(page=max(yard_page, 1), size=PAGE_SIZE)
    return next((yard.name for yard in yards.items if yard.id == yard_id), None)


async def _children(read: Callable[[int], Awaitable[Page[T]]], page: int) -> Page[T] | None:
    """A page of a yard's buildings or a building's apartments (the last page when it shrank);
    ``None`` when the yard or building is gone."""
    try:
        return await page_or_last(read, page)
    except ServiceNotFound:
        return None


def _or_empty(text: str, items: list[tuple[int, str]], locale: str | None) -> str:
    return text if items else text + "\n" + tr(texts.PICK_EMPTY, locale)


async def buildings_view(
    clients: ServiceClients, at: ApCB, locale: str | None = None
) -> View | None:
    yard = await _yard_name(clients, at.y, at.yp)
    read = partial(clients.users.buildings, at.y, size=PAGE_SIZE)
    result = None if yard is None else await _children(lambda p: read(page=p), at.p)
    if yard is None or result is None:
        return None
    items = [(b.id, b.address) for b in result.items]
    text = _or_empty(tr(texts.PICK_BUILDING, locale, yard=safe(yard, 64)), items, locale)
    return View(text, building_keyboard(at.y, at.yp, items, result.page, _pages(result), locale))


async def _building_address(clients: ServiceClients, at: ApCB) -> str | None:
    try:
        buildings = await clients.users.buildings(at.y, page=max(at.bp, 1), size=PAGE_SIZE)
    except ServiceNotFound:
        return None
    return next((b.address for b in buildings.items if b.id == at.b), None)


async def apartments_view(
    clients: ServiceClients, at: ApCB, locale: str | None = None
) -> View | None:
    building = await _building_address(clients, at)
    read = partial(clients.users.apartments, at.b, size=PAGE_SIZE)
    result = None if building is None else await _children(lambda p: read(page=p), at.p)
    if building is None or result is None:
        return None
    items = [(a.id, a.apartment_number) for a in result.items]
    text = _or_empty(tr(texts.PICK_APARTMENT, locale, building=safe(building, 128)), items, locale)
    return View(text, apartment_keyboard(at, items, result.page, _pages(result), locale))


async def names_of(clients: ServiceClients, at: ApCB) -> Names | None:
    """The yard, building and apartment ``at`` points to (from the pages it came from)."""
    yard = await _yard_name(clients, at.y, at.yp)
    building = await _building_address(clients, at) if yard is not None else None
    if yard is None or building is None:
        return None
    try:
        apartments = await clients.users.apartments(at.b, page=max(at.p, 1), size=PAGE_SIZE)
    except ServiceNotFound:
        return None
    number = next((a.apartment_number for a in apartments.items if a.id == at.apt), None)
    return None if number is None else Names(yard, building, number)


async def confirm_view(clients: ServiceClients, at: ApCB, locale: str | None = None) -> View | None:
    names = await names_of(clients, at)
    if names is None:
        return None
    text = tr(
        texts.CONFIRM_APARTMENT,
        locale,
        yard=safe(names.yard, 64),
        building=safe(names.building, 128),
        number=safe(names.number, 16),
    )
    return View(text, confirm_keyboard(at, locale))
