"""Phone numbers: what a user types (Uzbek numbers) and what a shared contact carries."""

from __future__ import annotations

import re

__all__ = ["normalize_contact_phone", "normalize_typed_phone"]

_SEPARATORS = re.compile(r"[\s\-()]")


def normalize_typed_phone(text: str) -> str | None:
    """``+998XXXXXXXXX`` from ``+998XXXXXXXXX``, ``998XXXXXXXXX`` or 9 digits (spaces, ``-`` and
    brackets ignored); ``None`` for anything else."""
    compact = _SEPARATORS.sub("", text)
    if re.fullmatch(r"\+998\d{9}", compact):
        return compact
    if re.fullmatch(r"998\d{9}", compact):
        return "+" + compact
    if re.fullmatch(r"\d{9}", compact):
        return "+998" + compact
    return None


def normalize_contact_phone(phone: str) -> str | None:
    """E.164 from a shared contact (Telegram may leave out the ``+``); ``None`` when it is not
    a 10..15-digit number."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 9:
        return "+998" + digits
    if 10 <= len(digits) <= 15:
        return "+" + digits
    return None
