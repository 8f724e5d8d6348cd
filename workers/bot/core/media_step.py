"""The media step of a flow (filing a request, returning one with a reason): up to 5 photos and
videos go into the draft, anything else typed there gets a hint naming the step's buttons.

Albums arrive as separate messages sharing a ``media_group_id``, one update after another (the
pipeline keeps a chat's updates in order). The first item of an album gets a "received N of 5"
note; later items of the same album edit that note instead of adding a message each. A file over
the limit is not stored and is reported once per album.

The step speaks with the flow's own texts (:class:`MediaTexts`) and buttons; :class:`MediaStep`
registers its two message handlers on the flow's router. The Done/Skip button stays with the flow:
where it leads differs from flow to flow.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Generic, Literal, Protocol, TypeVar

import msgspec
from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import InlineKeyboardMarkup, Message

from shared.clients import ServiceClients
from shared.logs import get_logger
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext

__all__ = [
    "MAX_MEDIA",
    "MediaBox",
    "MediaStep",
    "MediaTexts",
    "collect_media",
    "media_expected",
    "media_file_id",
]

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


@dataclass(frozen=True, slots=True)
class MediaTexts:
    """The msgids the step speaks with; the flow's texts module holds them (and the catalogs)."""

    added: str  # {count} of {max} received, press {done}
    limit: str  # no more than {max}
    expected: str  # send a photo or video, or press {done} or {skip}
    done: str
    skip: str


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
    message: Message, box: MediaBox, done_markup: InlineKeyboardMarkup, texts: MediaTexts
) -> Outcome | None:
    """Store the message's photo or video in ``box`` and tell the user; ``None`` when the
    message carries neither (the caller re-prompts). The caller saves ``box`` afterwards."""
    file_id = media_file_id(message)
    if file_id is None:
        return None
    group = message.media_group_id
    outcome = _add(box, file_id, group)
    if outcome == "refused":
        await message.answer(ui.tr(texts.limit, max=MAX_MEDIA))
    if outcome != "added":
        return outcome
    if message.caption and message.caption.strip():
        box.captions.append(message.caption.strip())
    note = ui.tr(texts.added, count=len(box.files), max=MAX_MEDIA, done=ui.tr(texts.done))
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
    message: Message,
    done_markup: InlineKeyboardMarkup,
    skip_markup: InlineKeyboardMarkup,
    texts: MediaTexts,
) -> None:
    """Answer input other than a photo or video at the media step: the hint names both
    buttons, shown side by side (the flow's own Done and Skip buttons)."""
    done, skip = ui.tr(texts.done), ui.tr(texts.skip)
    row = [*done_markup.inline_keyboard[0], *skip_markup.inline_keyboard[0]]
    keyboard = InlineKeyboardMarkup(inline_keyboard=[row])
    await message.answer(ui.tr(texts.expected, done=done, skip=skip), reply_markup=keyboard)


class MediaDraft(Protocol):
    """A flow's draft as the step sees it: the tag its buttons carry and the collected media."""

    tag: int
    media: MediaBox


D = TypeVar("D", bound=MediaDraft)
Handler = Callable[[Message, FSMContext, AuthContext, ServiceClients], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class MediaStep(Generic[D]):
    """One flow's media step: how it reads and writes its draft, starts over without one, and
    draws its Done and Skip buttons."""

    texts: MediaTexts
    load: Callable[[FSMContext], Awaitable[D | None]]
    save: Callable[[FSMContext, D], Awaitable[None]]
    # Called when the state has lost its draft (expired or unreadable): the flow starts over.
    lost: Handler
    done_markup: Callable[[int], InlineKeyboardMarkup]
    skip_markup: Callable[[int], InlineKeyboardMarkup]

    async def take(
        self, message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients
    ) -> None:
        """A photo or video sent at the step: into the draft, with a note counting them."""
        draft = await self._draft(message, state, auth, clients)
        if draft is not None:
            await collect_media(message, draft.media, self.done_markup(draft.tag), self.texts)
            await self.save(state, draft)

    async def hint(
        self, message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients
    ) -> None:
        """Anything else sent at the step: say what it takes, with its Done and Skip buttons."""
        draft = await self._draft(message, state, auth, clients)
        if draft is not None:
            done, skip = self.done_markup(draft.tag), self.skip_markup(draft.tag)
            await media_expected(message, done, skip, self.texts)

    async def _draft(
        self, message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients
    ) -> D | None:
        draft = await self.load(state)
        if draft is None:
            await self.lost(message, state, auth, clients)
        return draft

    def register(
        self,
        router: Router,
        step: State,
        other: Filter,
        *,
        flags: Mapping[str, Any],
        module: str,
    ) -> None:
        """Handle ``step`` on ``router``: photos and videos, then whatever ``other`` lets through
        (a flow's free input, not commands or menu buttons). The handlers are named as if
        ``module`` defined them (``on_media``, ``on_media_expected``), so logs and the
        per-handler metrics keep telling the flows apart."""

        async def on_media(
            message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients
        ) -> None:
            await self.take(message, state, auth, clients)

        async def on_media_expected(
            message: Message, state: FSMContext, auth: AuthContext, clients: ServiceClients
        ) -> None:
            await self.hint(message, state, auth, clients)

        for handler in (on_media, on_media_expected):
            handler.__module__ = module
            handler.__qualname__ = handler.__name__
        router.message(step, F.photo | F.video, flags=dict(flags))(on_media)
        router.message(step, other, flags=dict(flags))(on_media_expected)
