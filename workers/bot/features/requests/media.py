"""The media step as the requests feature speaks it: filing a request and returning one with a
reason collect photos and videos through :mod:`workers.bot.core.media_step` with these texts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final, TypeVar

from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup

from workers.bot.core.media_step import MediaDraft, MediaStep, MediaTexts
from workers.bot.features.requests import texts
from workers.bot.features.requests.support import flow_lost

__all__ = ["MEDIA_TEXTS", "media_step"]

D = TypeVar("D", bound=MediaDraft)

MEDIA_TEXTS: Final = MediaTexts(
    added=texts.MEDIA_ADDED,
    limit=texts.MEDIA_LIMIT,
    expected=texts.MEDIA_EXPECTED,
    done=texts.BTN_DONE,
    skip=texts.BTN_SKIP,
)


def media_step(
    load: Callable[[FSMContext], Awaitable[D | None]],
    save: Callable[[FSMContext, D], Awaitable[None]],
    done_markup: Callable[[int], InlineKeyboardMarkup],
    skip_markup: Callable[[int], InlineKeyboardMarkup],
) -> MediaStep[D]:
    """A flow's media step with the feature's texts, starting over when the draft is lost."""
    return MediaStep(MEDIA_TEXTS, load, save, flow_lost, done_markup, skip_markup)
