"""The bot speaking first: one message (with an optional album before it) to a chat.

:func:`send_notice` is the one Bot API send path of every outbound message the bot starts itself
(notifications, and anything else that speaks first, such as broadcasts): it goes through the
runtime's ``Bot``, so pacing, 429 handling and the 403 bookkeeping of
:class:`~workers.bot.telegram.session.BotApiMiddleware` apply as for replies. A 403
(``TelegramForbiddenError``) propagates: the caller decides (notifications mark the chat
unreachable and do not retry).
"""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    InlineKeyboardMarkup,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaLivePhoto,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from shared.logs import get_logger
from workers.bot.core.ui.split import TEXT_LIMIT, split_html

__all__ = ["ALBUM_MAX", "send_notice"]

log = get_logger(__name__)
ALBUM_MAX = 10  # Telegram's media group limit

MediaItem = (
    InputMediaAudio | InputMediaDocument | InputMediaLivePhoto | InputMediaPhoto | InputMediaVideo
)
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


async def send_notice(
    bot: Bot,
    chat_id: int,
    text: str,
    *,
    reply_markup: Markup | None = None,
    photos: Sequence[str] = (),
) -> list[Message]:
    """Send ``photos`` (Telegram file ids) as one album (a single photo alone), then ``text``
    (HTML, split under 4096 with tags kept whole) with ``reply_markup`` on its last part.

    Media groups cannot carry buttons, so the text always follows as its own message. A file id
    Telegram refuses (a video stored among the photos, an expired id) drops the album, not the
    text: the notice still arrives.
    """
    sent: list[Message] = []
    files = list(photos)[:ALBUM_MAX]
    if files:
        try:
            if len(files) == 1:
                sent.append(await bot.send_photo(chat_id, files[0]))
            else:
                media: list[MediaItem] = [InputMediaPhoto(media=file_id) for file_id in files]
                sent.extend(await bot.send_media_group(chat_id, media))
        except TelegramBadRequest as exc:
            log.warning("notice_album_refused", chat_id=chat_id, reason=exc.message[:80])
    parts = split_html(text, TEXT_LIMIT)
    for index, part in enumerate(parts):
        markup = reply_markup if index == len(parts) - 1 else None
        sent.append(await bot.send_message(chat_id, part, reply_markup=markup))
    return sent
