"""Downstream errors → one localized sentence for the user (docs/behaviour.md §4, "When a service
fails").

- transient (5xx, timeouts, connection errors, an open breaker, 429): "temporarily unavailable,
  try again in a minute", with the support contact when one is set;
- a contract ``code`` the user can act on: its own text (``CODE_TEXTS``);
- 404 / 403 without a known code: "not found" / "not allowed";
- anything else (a garbage body, an unknown 4xx, a bug): a generic apology with the contact.

The service's ``detail`` is never shown, and nothing from the error reaches the text except
through these fixed messages. Features with a better sentence for a code (an alert naming the
shift that was taken, say) check ``exc.code`` themselves before falling back to this.
"""

from __future__ import annotations

from typing import Final, Protocol

from shared.clients.errors import ServiceError
from shared.logs import get_logger
from workers.bot.core.failures import classify
from workers.bot.core.texts import ACCESS_BLOCKED, ACCESS_BLOCKED_SUPPORT, UNAVAILABLE
from workers.bot.core.ui import texts
from workers.bot.core.ui.html import safe, truncate
from workers.bot.core.ui.i18n import tr

__all__ = [
    "CODE_TEXTS",
    "SupportSource",
    "apology",
    "blocked_notice",
    "error_code",
    "error_message",
    "error_text",
    "is_transient",
    "support_contact",
]

log = get_logger(__name__)

CODE_TEXTS: Final[dict[str, str]] = {
    "not_found": texts.ERR_NOT_FOUND,
    "user_not_found": texts.ERR_NOT_FOUND,
    "forbidden": texts.ERR_FORBIDDEN,
    "not_your_shift": texts.ERR_FORBIDDEN,
    "user_not_approved": texts.ERR_NOT_APPROVED,
    "version_conflict": texts.ERR_CHANGED,
    "invalid_transition": texts.ERR_CHANGED,
    "link_not_pending": texts.ERR_CHANGED,
    "already_claimed": texts.ERR_ALREADY_CLAIMED,
    "shift_taken": texts.ERR_SHIFT_TAKEN,
    "shift_not_available": texts.OUTDATED,
    "shift_not_planned": texts.ERR_SHIFT_STATE,
    "shift_not_active": texts.ERR_SHIFT_STATE,
    "no_active_shift": texts.ERR_NO_ACTIVE_SHIFT,
    "specialization_mismatch": texts.ERR_SPECIALIZATION_MISMATCH,
    "shift_overlap": texts.ERR_SHIFT_OVERLAP,
    "outside_shift_window": texts.ERR_OUTSIDE_SHIFT_WINDOW,
    "invite_invalid": texts.ERR_INVITE_INVALID,
    "invite_expired": texts.ERR_INVITE_EXPIRED,
    "invite_used": texts.ERR_INVITE_USED,
    "invalid_phone": texts.ERR_INVALID_PHONE,
    "phone_required": texts.ERR_PHONE_REQUIRED,
    "address_not_linked": texts.ERR_ADDRESS_NOT_LINKED,
    "comment_required": texts.ERR_COMMENT_REQUIRED,
    "specialization_required": texts.ERR_SPECIALIZATION_REQUIRED,
    "range_too_long": texts.ERR_RANGE_TOO_LONG,
    "role_not_held": texts.ERR_ROLE_NOT_HELD,
    "apartment_link_exists": texts.ERR_LINK_EXISTS,
    "validation_error": texts.ERR_INVALID_INPUT,
}


def is_transient(exc: BaseException) -> bool:
    """Worth trying again later (the failure policy's transient and retry-after kinds)."""
    return classify(exc) != "permanent"


def error_code(exc: BaseException) -> str | None:
    return exc.code if isinstance(exc, ServiceError) else None


def error_text(exc: BaseException) -> tuple[str, bool]:
    """``(msgid, mentions_support)``: the untranslated text for ``exc``."""
    if is_transient(exc):
        return UNAVAILABLE, True
    code = error_code(exc)
    if code is not None and code in CODE_TEXTS:
        return CODE_TEXTS[code], False
    status = exc.status if isinstance(exc, ServiceError) else None
    if status == 404:
        return texts.ERR_NOT_FOUND, False
    if status == 403:
        return texts.ERR_FORBIDDEN, False
    return texts.GENERIC_ERROR, True


def error_message(
    exc: BaseException, *, support: str | None = None, locale: str | None = None
) -> str:
    """The localized sentence for ``exc`` (HTML-safe), naming ``support`` where it helps."""
    msgid, with_support = error_text(exc)
    if with_support and support:
        full = texts.UNAVAILABLE_SUPPORT if msgid == UNAVAILABLE else texts.GENERIC_ERROR_SUPPORT
        return tr(full, locale, support=safe(support, 100))
    return tr(msgid, locale)


class _WithSupport(Protocol):
    @property
    def support_contact(self) -> str: ...


class SupportSource(Protocol):
    """Where the support contact comes from (the gateway settings store)."""

    async def get(self) -> _WithSupport: ...


async def support_contact(settings: SupportSource | None) -> str | None:
    """The admin's support contact for apologies and /help, or ``None``: unset, no store, or
    unreadable now (a failure to read it only leaves the contact out, it never fails a reply)."""
    if settings is None:
        return None
    try:
        return (await settings.get()).support_contact or None
    except Exception as exc:
        log.warning("support_contact_unavailable", error=type(exc).__name__)
        return None


async def apology(
    exc: BaseException, settings: SupportSource | None = None, locale: str | None = None
) -> str:
    """:func:`error_message` with the support contact read from the gateway settings."""
    support = await support_contact(settings) if error_text(exc)[1] else None
    return error_message(exc, support=support, locale=locale)


async def blocked_notice(
    settings: SupportSource | None, locale: str | None = None, *, html: bool = True
) -> str:
    """What a blocked user is told: access is blocked, and whom to contact — the admin's support
    contact when one is set (escaped for HTML; as written for an alert, ``html=False``). Sent
    with ``ReplyKeyboardRemove`` as a message."""
    support = await support_contact(settings)
    if not support:
        return tr(ACCESS_BLOCKED, locale)
    shown = safe(support, 100) if html else truncate(support, 100)
    return tr(ACCESS_BLOCKED_SUPPORT, locale, support=shown)
