"""How an address (a request's, or one the applicant may file against) reads in a message."""

from __future__ import annotations

from shared.clients.models.users import AddressRef
from workers.bot.core import ui
from workers.bot.features.requests import texts

__all__ = ["address_code", "address_label", "find_address"]

_LIMIT = 80  # per part: yards and buildings have short names; this only guards the layout
_TYPE_CODES = {"apartment": "a", "building": "b", "yard": "y"}


def address_label(ref: AddressRef | None, *, html: bool = True) -> str:
    """The address in words. Its parts come from the user service: escaped for a message
    (``html``), only truncated for a button (button texts are not parsed)."""
    if ref is None:
        return ""

    def part(value: str | None) -> str:
        return ui.safe(value, _LIMIT) if html else ui.truncate(value or "", _LIMIT)

    yard = part(ref.yard_name)
    building = part(ref.building_address)
    if ref.address_type == "apartment":
        apartment = part(ref.apartment_number)
        return ui.tr(texts.ADDRESS_APARTMENT, yard=yard, building=building, apartment=apartment)
    if ref.address_type == "building":
        return ui.tr(texts.ADDRESS_BUILDING, yard=yard, building=building)
    return ui.tr(texts.ADDRESS_YARD, yard=yard)


def address_code(ref: AddressRef) -> str:
    """``a1203``: the type's letter and the id, as a button carries it."""
    return f"{_TYPE_CODES[ref.address_type]}{ref.address_id}"


def find_address(refs: list[AddressRef], code: str) -> AddressRef | None:
    return next((ref for ref in refs if address_code(ref) == code), None)
