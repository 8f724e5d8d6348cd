"""Addresses in the staff's cards and lists ("Olmazor-1, Navoiy 12, кв. 45"), and the state of an
apartment link as the profile, the manager's user card and onboarding name it."""

from __future__ import annotations

from shared.clients.models import AddressRef
from workers.bot.core.ui import texts
from workers.bot.core.ui.html import safe
from workers.bot.core.ui.i18n import tr

__all__ = ["address_text", "link_status"]


def address_text(address: AddressRef) -> str:
    """The yard, the building and the apartment, escaped and at most 300 characters."""
    parts = [address.yard_name, address.building_address]
    if address.apartment_number:
        parts.append(tr(texts.ADDRESS_APARTMENT, number=address.apartment_number))
    return safe(", ".join(p for p in parts if p), 300)


def link_status(status: str | None, locale: str | None = None) -> str:
    """ "на проверке" / "подтверждена" / "отклонена" (an unknown state reads as pending)."""
    return tr(texts.LINK_STATUS.get(status or "", texts.LINK_PENDING), locale)
