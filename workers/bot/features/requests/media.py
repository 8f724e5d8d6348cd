"""Photos and videos a flow collects (request creation, return with a reason): up to 5 in all.

Albums arrive as separate messages sharing a ``media_group_id``, one update after another (the
pipeline keeps a chat's updates in order). The first item of an album gets a "received N of 5"
note; later items of the same album edit that note instead of adding a message each. A file over
the limit is not stored and is reported once per album.
"""

from __future__ import annotations

from typing import Final, Literal

import msgspec
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardMarkup, Message

from shared.logs import get_logger
from workers.bot.core import ui
from workers.bot.features.requests import texts

__all__ = ["MAX_MEDIA", "MediaBox", "collect_media", "media_expected", "media_file_id"]

log = get_logger(__name__)

MAX_MEDIA: Final = 5


class MediaBox(msgspec.Struct):
    files: list[str] = msgspec.field(default_factory=list)
    # The album the last stored file belonged to, and the note message counting it.
    group: str | None = None
    note_id: int | None = None
    # The album whose over-limit file was already reported (reported once per album).
    refused_group: str | None = None
    # Captions typed under the stored files: kept, they go into the form's text at the end.
    captions: list[str] = msgspec.field(default_factory=list)

    def reset(self) -> None:
        self.files.clear()
        self.captions.clear()
        self.group = self.note_id = self.refused_group = None


def media_file_id(message: Message) -> str | None:
    """The largest size of a photo, or a video; ``None`` for anything else."""
    if message.photo:
        return max(message.photo, key=lambda size: size.width * size.height).file_id
    if message.video:
        return message.video.file_id
    return None


Outcome = Literal["added", "refused", "refused_quietly"]


def _add(box: MediaBox, file_id: str, group: str | None) -> Outcome:
    if len(box.files) >= MAX_MEDIA:
        if group is not None and group == box.refused_group:
            return "refused_quietly"
        box.refused_group = group
        return "refused"
    box.files.append(file_id)
    return "added"


async def collect_media(
    message: Message, box: MediaBox, done_markup: InlineKeyboardMarkup
) -> Outcome | None:
    """Store the message's photo or video in ``box`` and tell the user; ``None`` when the
    message carries neither (the caller re-prompts). The caller saves ``box`` afterwards."""
    file_id = media_file_id(message)
    if file_id is None:
        return None
    group = message.media_group_id
    outcome = _add(box, file_id, group)
    if outcome == "refused":
        await message.answer(ui.tr(texts.MEDIA_LIMIT, max=MAX_MEDIA))
    if outcome != "added":
        return outcome
    if message.caption and message.caption.strip():
        box.captions.append(message.caption.strip())
    note = ui.tr(texts.MEDIA_ADDED, count=len(box.files), max=MAX_MEDIA, done=ui.tr(texts.BTN_DONE))
    if group is not None and group == box.group and box.note_id is not None:
        try:
            await message.bot.edit_message_text(  # type: ignore[union-attr]
                note, chat_id=message.chat.id, message_id=box.note_id, reply_markup=done_markup
            )
            return outcome
        except TelegramBadRequest as exc:
            if ui.is_not_modified(exc):
                return outcome
            log.info("media_note_not_edited", reason=exc.message[:60])
    sent = await message.answer(note, reply_markup=done_markup)
    box.group, box.note_id = group, sent.message_id
    return outcome


async def media_expected(
    message: Message, done_markup: InlineKeyboardMarkup, skip_markup: InlineKeyboardMarkup
) -> None:
    """Answer input other than a photo or video at the media step: the hint names both
    buttons, shown side by side (the flow's own Done and Skip buttons)."""
    done, skip = ui.tr(texts.BTN_DONE), ui.tr(texts.BTN_SKIP)
    row = [*done_markup.inline_keyboard[0], *skip_markup.inline_keyboard[0]]
    keyboard = InlineKeyboardMarkup(inline_keyboard=[row])
    await message.answer(ui.tr(texts.MEDIA_EXPECTED, done=done, skip=skip), reply_markup=keyboard)
