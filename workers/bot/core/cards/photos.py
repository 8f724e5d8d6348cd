"""The photos of a request on its card: a **Photos (N)** button that sends them as albums.

A card is one message edited in place (lists, refreshes), and Telegram albums carry no buttons,
so the card offers the button and the photos come as their own messages when asked for: the
request's photos first, then the completion photos, each set as albums of at most 10 (Telegram's
media-group limit) with a caption (≤ 1024) on the first item naming the set.

The file ids are whatever the flows collected: photos, and videos sent where photos were asked
for. An album Telegram refuses (a video among photos, an expired id) is sent again one file at a
time, as a photo and else as a video; a file refused both ways is skipped and counted in the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    InlineKeyboardButton,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaLivePhoto,
    InputMediaPhoto,
    InputMediaVideo,
    Message,
)

from shared.clients.models import Request
from shared.logs import get_logger
from workers.bot.core.cards import texts
from workers.bot.core.cards.callbacks import PhotosCB
from workers.bot.core.ui.html import truncate
from workers.bot.core.ui.i18n import tr
from workers.bot.core.ui.split import CAPTION_LIMIT

__all__ = [
    "ALBUM_MAX",
    "photo_count",
    "photos_row",
    "request_photos",
    "send_album",
    "send_photos",
    "with_captions",
]

log = get_logger(__name__)

ALBUM_MAX: Final = 10  # Telegram's media-group limit

MediaItem = (
    InputMediaAudio | InputMediaDocument | InputMediaLivePhoto | InputMediaPhoto | InputMediaVideo
)


def request_photos(request: Request) -> list[str]:
    return [*request.media_files, *request.completion_media]


def photo_count(request: Request) -> int:
    return len(request.media_files) + len(request.completion_media)


def photos_row(request: Request, locale: str | None = None) -> list[InlineKeyboardButton]:
    """``📷 Photos (N)`` when the request has any; an empty row (dropped) otherwise."""
    count = photo_count(request)
    if not count:
        return []
    return [
        InlineKeyboardButton(
            text=tr(texts.BTN_PHOTOS, locale, count=count),
            callback_data=PhotosCB(number=request.request_number).pack(),
        )
    ]


async def _one_by_one(bot: Bot, chat_id: int, files: Sequence[str], caption: str) -> int:
    sent = 0
    for index, file_id in enumerate(files):
        text = caption if index == 0 else None
        try:
            await bot.send_photo(chat_id, file_id, caption=text)
        except TelegramBadRequest:
            try:
                await bot.send_video(chat_id, file_id, caption=text)
            except TelegramBadRequest as exc:
                log.info("card_photo_refused", chat_id=chat_id, reason=exc.message[:80])
                continue
        sent += 1
    return sent


async def send_album(bot: Bot, chat_id: int, files: Sequence[str], caption: str) -> int:
    """``files`` as albums of ≤ 10, ``caption`` (cut to 1024) on the first item of each;
    a single file is a photo of its own. Returns how many files were sent."""
    caption = truncate(caption, CAPTION_LIMIT)
    sent = 0
    for start in range(0, len(files), ALBUM_MAX):
        chunk = list(files[start : start + ALBUM_MAX])
        if len(chunk) == 1:
            sent += await _one_by_one(bot, chat_id, chunk, caption)
            continue
        media: list[MediaItem] = [
            InputMediaPhoto(media=file_id, caption=caption if i == 0 else None)
            for i, file_id in enumerate(chunk)
        ]
        try:
            messages: list[Message] = await bot.send_media_group(chat_id, media)
            sent += len(messages)
        except TelegramBadRequest as exc:
            log.info("card_album_refused", chat_id=chat_id, reason=exc.message[:80])
            sent += await _one_by_one(bot, chat_id, chunk, caption)
    return sent


async def send_photos(bot: Bot, chat_id: int, request: Request, locale: str | None = None) -> int:
    """The request's photos, then its completion photos, each set captioned with what it is."""
    number = request.request_number
    sent = 0
    for files, caption in (
        (request.media_files, texts.PHOTOS_OF_REQUEST),
        (request.completion_media, texts.PHOTOS_OF_COMPLETION),
    ):
        if files:
            text = tr(caption, locale, number=number, count=len(files))
            sent += await send_album(bot, chat_id, files, text)
    return sent


def with_captions(text: str, captions: Sequence[str], limit: int) -> str:
    """The form's text with the captions users typed under their photos, one a line below it:
    the services keep file ids only, so a caption lives on in the text it belongs to. The
    user's own text is never cut; the captions give way to ``limit``."""
    kept = [c.strip() for c in captions if c and c.strip()]
    if not kept:
        return text
    room = limit - len(text) - 2
    tail = "\n".join(f"📷 {c}" for c in kept)
    if room <= 1:
        return text
    return f"{text}\n\n{truncate(tail, room)}"
