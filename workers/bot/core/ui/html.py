"""Escaping for ``parse_mode=HTML``: every value the bot did not write itself is truncated first
and escaped second, so an ellipsis never cuts an entity such as ``&amp;`` in half."""

from __future__ import annotations

import html
import re
from typing import Final

__all__ = ["ELLIPSIS", "escape", "preview", "safe", "truncate"]

ELLIPSIS: Final = "…"
_SPACES = re.compile(r"\s+")


def escape(value: object) -> str:
    """``<``, ``>`` and ``&`` escaped (all Telegram's HTML mode needs in text)."""
    return html.escape(str(value), quote=False)


def truncate(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """At most ``limit`` characters; a cut text ends with ``ellipsis`` (counted in the limit)."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit <= len(ellipsis):
        return text[:limit]
    return text[: limit - len(ellipsis)].rstrip() + ellipsis


def safe(value: object, limit: int | None = None) -> str:
    """Untrusted value → HTML: ``None`` as empty, truncated to ``limit`` raw characters, escaped."""
    if value is None:
        return ""
    text = str(value)
    return escape(truncate(text, limit) if limit is not None else text)


def preview(value: object, limit: int = 60) -> str:
    """A one-line preview for lists: whitespace collapsed, truncated, escaped."""
    if value is None:
        return ""
    return safe(_SPACES.sub(" ", str(value)).strip(), limit)
