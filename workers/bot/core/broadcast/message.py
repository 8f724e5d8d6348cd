"""What a broadcast looks like in a chat, and its progress card.

:func:`deliver` is the only way a broadcast is put into a chat: the composer's preview and every
recipient's copy go through it, so the preview is exactly what recipients see (the same HTML
text, the same photo, no buttons).
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from workers.bot.core.broadcast import texts
from workers.bot.core.callbacks import Id
from workers.bot.core.ui.i18n import tr
from workers.bot.core.ui.numbers import fmt_count

__all__ = [
    "CAPTION_LIMIT",
    "TEXT_LIMIT",
    "BroadcastStopCB",
    "Counts",
    "card",
    "deliver",
    "eta_text",
]

TEXT_LIMIT = 4096
# Telegram's limit for a photo's caption: a broadcast with a photo keeps its text within it.
CAPTION_LIMIT = 1024


class BroadcastStopCB(CallbackData, prefix="bcx"):
    id: Id


@dataclass(frozen=True, slots=True)
class Counts:
    """Recipients by state (see ``shared.db.models.RECIPIENT_STATES``)."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    unconfirmed: int = 0

    @property
    def total(self) -> int:
        return (
            self.pending + self.sending + self.sent + self.failed + self.blocked + self.unconfirmed
        )

    @property
    def remaining(self) -> int:
        return self.pending + self.sending

    @property
    def not_delivered(self) -> int:
        """Failed, plus those whose sender died during the call (maybe delivered, not counted
        as sent: nobody is sent a broadcast twice)."""
        return self.failed + self.unconfirmed


async def deliver(bot: Bot, chat_id: int, text: str, photo: str | None) -> Message:
    if photo:
        return await bot.send_photo(chat_id, photo, caption=text)
    return await bot.send_message(chat_id, text)


def eta_text(remaining: int, rate: float, locale: str | None = None) -> str:
    seconds = int(remaining / rate + 0.999) if rate > 0 else 0
    if seconds < 60:
        return tr(texts.ETA_SECONDS, locale, seconds=seconds)
    return tr(texts.ETA_MINUTES, locale, minutes=seconds // 60, seconds=seconds % 60)


def card(
    number: int,
    counts: Counts,
    *,
    status: str,
    rate: float,
    locale: str | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The progress card (``status`` sending) or the final one (done / cancelled)."""
    values = {
        "number": number,
        "total": fmt_count(counts.total, locale),
        "sent": fmt_count(counts.sent, locale),
        "failed": fmt_count(counts.not_delivered, locale),
        "blocked": fmt_count(counts.blocked, locale),
        "remaining": fmt_count(counts.remaining, locale),
    }
    if status == "sending":
        text = tr(
            texts.CARD_SENDING, locale, eta=eta_text(counts.remaining, rate, locale), **values
        )
        stop = InlineKeyboardButton(
            text=tr(texts.BTN_STOP, locale), callback_data=BroadcastStopCB(id=number).pack()
        )
        return text, InlineKeyboardMarkup(inline_keyboard=[[stop]])
    template = texts.CARD_CANCELLED if status == "cancelled" else texts.CARD_DONE
    return tr(template, locale, **values), None
