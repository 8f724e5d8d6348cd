"""/notifications: the user's notification switches, edited in place.

- digests and pool messages on/off (every approved user; domain.md §5 "mute the non-essential
  kinds"; status changes of one's own requests cannot be muted);
- managers and admins: their ``notify`` flag (new requests, done/returned, comments).
"""

from __future__ import annotations

from typing import Literal

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.logs import get_logger
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.notify_prefs import NotifyPrefs, PrefsStore
from workers.bot.features.notifications import texts

__all__ = ["NotifyCB", "router"]

log = get_logger(__name__)
router = Router(name="notifications")
_FLAGS = {"command": "notifications"}
MANAGER_ROLES = frozenset({"manager", "admin"})


class NotifyCB(CallbackData, prefix="nt"):
    act: Literal["d", "m"]


def _state(on: bool) -> str:
    return ui.tr(texts.STATE_ON if on else texts.STATE_OFF)


def render(prefs: NotifyPrefs, manager: bool) -> tuple[str, InlineKeyboardMarkup]:
    digests = ui.tr(texts.DIGESTS_LINE, state=_state(not prefs.digests_muted))
    lines = [ui.tr(texts.SETTINGS_TITLE), "", digests]
    rows = [
        [
            InlineKeyboardButton(
                text=ui.tr(texts.BTN_TOGGLE_DIGESTS), callback_data=NotifyCB(act="d").pack()
            )
        ]
    ]
    if manager:
        lines.append(ui.tr(texts.MANAGER_LINE, state=_state(prefs.manager_notify)))
        rows.append(
            [
                InlineKeyboardButton(
                    text=ui.tr(texts.BTN_TOGGLE_MANAGER), callback_data=NotifyCB(act="m").pack()
                )
            ]
        )
    return "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows)


def _is_manager(auth: AuthContext) -> bool:
    return bool(MANAGER_ROLES & set(auth.roles))


@router.message(Command("notifications"), flags=_FLAGS)
async def show(
    message: Message, auth: AuthContext, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    if auth.user is None:
        return
    prefs = await PrefsStore(sessionmaker).get(auth.user.id)
    text, markup = render(prefs, _is_manager(auth))
    await message.answer(text, reply_markup=markup)


@router.callback_query(NotifyCB.filter(F.act.in_({"d", "m"})), flags=_FLAGS)
async def toggle(
    query: CallbackQuery,
    callback_data: NotifyCB,
    auth: AuthContext,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    if auth.user is None:
        await ui.answer_stale(query)
        return
    store = PrefsStore(sessionmaker)
    current = await store.get(auth.user.id)
    manager = _is_manager(auth)
    if callback_data.act == "m" and not manager:
        await ui.answer_stale(query)
        return
    if callback_data.act == "d":
        prefs = await store.set(auth.user.id, digests_muted=not current.digests_muted)
    else:
        prefs = await store.set(auth.user.id, manager_notify=not current.manager_notify)
    log.info("notification_prefs_changed", user_id=auth.user.id, act=callback_data.act)
    await ui.answer_query(query, ui.tr(texts.SAVED))
    await ui.edit_or_send(query, *render(prefs, manager))
