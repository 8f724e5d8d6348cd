"""Main-menu reply keyboards by active role (docs/behaviour.md §1), matched back in both languages.

The keyboard has 2 buttons per row. A button's handler is registered with
``menu_button(MenuButton.X)``, which matches the button's text in every locale (old keyboards
linger after /language) and with or without its count badge (``Приёмка (2)``). Where a button
shares a catalogue command (``BUTTON_COMMANDS``), register it with ``flags={"command": …}`` so
access control applies the command's rule; buttons without a command check the role themselves.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from aiogram.filters import Filter
from aiogram.types import KeyboardButton, Message, ReplyKeyboardMarkup

from workers.bot.core.ui import texts
from workers.bot.core.ui.i18n import tr, variants
from workers.bot.core.vocabulary import is_staff_role

__all__ = [
    "BUTTON_COMMANDS",
    "BUTTON_TEXTS",
    "FlowInput",
    "MenuButton",
    "MenuButtonFilter",
    "MenuState",
    "TextButtonFilter",
    "build_main_menu",
    "button_text",
    "cancel_keyboard",
    "match_button",
    "menu_button",
    "menu_buttons",
    "role_groups",
    "text_button",
]


class MenuButton(StrEnum):
    CREATE_REQUEST = "create_request"
    MY_REQUESTS = "my_requests"
    ACCEPTANCE = "acceptance"
    PROFILE = "profile"
    LANGUAGE = "language"
    HELP = "help"
    ACTIVE_REQUESTS = "active_requests"
    GROUP_POOL = "group_pool"
    MY_SHIFTS = "my_shifts"
    SCHEDULE = "schedule"
    TAKE_SHIFT = "take_shift"
    START_SHIFT = "start_shift"
    END_SHIFT = "end_shift"
    REQUESTS = "requests"
    USERS = "users"
    ANALYTICS = "analytics"
    SETTINGS = "settings"
    BROADCAST = "broadcast"
    SWITCH_ROLE = "switch_role"
    CANCEL = "cancel"


BUTTON_TEXTS: Final[dict[MenuButton, str]] = {
    MenuButton.CREATE_REQUEST: texts.BTN_CREATE_REQUEST,
    MenuButton.MY_REQUESTS: texts.BTN_MY_REQUESTS,
    MenuButton.ACCEPTANCE: texts.BTN_ACCEPTANCE,
    MenuButton.PROFILE: texts.BTN_PROFILE,
    MenuButton.LANGUAGE: texts.BTN_LANGUAGE,
    MenuButton.HELP: texts.BTN_HELP,
    MenuButton.ACTIVE_REQUESTS: texts.BTN_ACTIVE_REQUESTS,
    MenuButton.GROUP_POOL: texts.BTN_GROUP_POOL,
    MenuButton.MY_SHIFTS: texts.BTN_MY_SHIFTS,
    MenuButton.SCHEDULE: texts.BTN_SCHEDULE,
    MenuButton.TAKE_SHIFT: texts.BTN_TAKE_SHIFT,
    MenuButton.START_SHIFT: texts.BTN_START_SHIFT,
    MenuButton.END_SHIFT: texts.BTN_END_SHIFT,
    MenuButton.REQUESTS: texts.BTN_REQUESTS,
    MenuButton.USERS: texts.BTN_USERS,
    MenuButton.ANALYTICS: texts.BTN_ANALYTICS,
    MenuButton.SETTINGS: texts.BTN_SETTINGS,
    MenuButton.BROADCAST: texts.BTN_BROADCAST,
    MenuButton.SWITCH_ROLE: texts.BTN_SWITCH_ROLE,
    MenuButton.CANCEL: texts.BTN_CANCEL,
}

# The bot_commands entry a button shares (its access rule); None: the handler checks the role.
BUTTON_COMMANDS: Final[dict[MenuButton, str | None]] = {
    MenuButton.CREATE_REQUEST: "create_request",
    MenuButton.MY_REQUESTS: "my_requests",
    MenuButton.ACCEPTANCE: None,  # applicant, approved
    MenuButton.PROFILE: "menu",  # registered users
    MenuButton.LANGUAGE: "language",
    MenuButton.HELP: "help",
    MenuButton.ACTIVE_REQUESTS: "my_requests",
    MenuButton.GROUP_POOL: None,  # executor, approved
    MenuButton.MY_SHIFTS: "my_shifts",
    MenuButton.SCHEDULE: "shift_schedule",
    MenuButton.TAKE_SHIFT: "take_shift",
    MenuButton.START_SHIFT: None,  # executor, approved
    MenuButton.END_SHIFT: None,  # executor, approved
    MenuButton.REQUESTS: None,  # manager or admin, approved
    MenuButton.USERS: "users",
    MenuButton.ANALYTICS: "analytics",
    MenuButton.SETTINGS: "settings",
    MenuButton.BROADCAST: None,  # manager or admin, approved
    MenuButton.SWITCH_ROLE: "menu",
    MenuButton.CANCEL: "cancel",
}

# Role groups for Switch role: manager and admin count as one (admin = manager + settings).
_GROUP_OF: Final = {"applicant": "applicant", "executor": "executor", "manager": "staff"}
_GROUP_OF_ADMIN: Final = "staff"
_BADGE = re.compile(r"\s*\(\d+\)\s*$")


def role_groups(roles: Sequence[str]) -> tuple[str, ...]:
    """The distinct groups among ``roles``, in the order held (applicant, executor, staff)."""
    seen: list[str] = []
    for role in roles:
        group = _GROUP_OF_ADMIN if role == "admin" else _GROUP_OF.get(role)
        if group is not None and group not in seen:
            seen.append(group)
    return tuple(seen)


@dataclass(frozen=True, slots=True)
class MenuState:
    """What the menu depends on: the active role, the roles held and the badges."""

    active_role: str | None
    roles: tuple[str, ...] = ()
    awaiting_acceptance: int = 0
    pending_users: int = 0
    shift_active: bool = False


def menu_buttons(state: MenuState) -> list[MenuButton]:
    role = state.active_role
    if role == "applicant":
        buttons = [
            MenuButton.CREATE_REQUEST,
            MenuButton.MY_REQUESTS,
            MenuButton.ACCEPTANCE,
            MenuButton.PROFILE,
            MenuButton.LANGUAGE,
            MenuButton.HELP,
        ]
    elif role == "executor":
        buttons = [
            MenuButton.ACTIVE_REQUESTS,
            MenuButton.GROUP_POOL,
            MenuButton.MY_SHIFTS,
            MenuButton.SCHEDULE,
            MenuButton.TAKE_SHIFT,
            MenuButton.END_SHIFT if state.shift_active else MenuButton.START_SHIFT,
            MenuButton.HELP,
        ]
    elif is_staff_role(role):
        buttons = [
            MenuButton.REQUESTS,
            MenuButton.USERS,
            MenuButton.ANALYTICS,
            MenuButton.SCHEDULE,
            MenuButton.BROADCAST,
        ]
        if role == "admin":
            buttons.append(MenuButton.SETTINGS)
        buttons.append(MenuButton.HELP)
    else:
        buttons = [MenuButton.LANGUAGE, MenuButton.HELP]
    if len(role_groups(state.roles)) >= 2:
        buttons.append(MenuButton.SWITCH_ROLE)
    return buttons


def button_text(button: MenuButton, locale: str | None = None, count: int | None = None) -> str:
    """The button's text in ``locale`` (default: the update's), with ``(count)`` when > 0."""
    text = tr(BUTTON_TEXTS[button], locale)
    return f"{text} ({count})" if count else text


def build_main_menu(state: MenuState, locale: str | None = None) -> ReplyKeyboardMarkup:
    counts = {
        MenuButton.ACCEPTANCE: state.awaiting_acceptance,
        MenuButton.USERS: state.pending_users,
    }
    labels = [button_text(b, locale, counts.get(b)) for b in menu_buttons(state)]
    rows = [
        [KeyboardButton(text=text) for text in labels[start : start + 2]]
        for start in range(0, len(labels), 2)
    ]
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True)


def cancel_keyboard(locale: str | None = None) -> ReplyKeyboardMarkup:
    """The reply keyboard of a flow: Cancel only (the main menu comes back when it ends)."""
    button = KeyboardButton(text=button_text(MenuButton.CANCEL, locale))
    return ReplyKeyboardMarkup(keyboard=[[button]], resize_keyboard=True)


def _normalize(text: str) -> str:
    return _BADGE.sub("", text).strip().casefold()


def match_button(text: str | None, *candidates: MenuButton) -> MenuButton | None:
    """The button ``text`` is (in any locale, badge ignored) among ``candidates`` (default all)."""
    if not text:
        return None
    wanted = _normalize(text)
    for button in candidates or tuple(MenuButton):
        if wanted in {_normalize(v) for v in variants(BUTTON_TEXTS[button])}:
            return button
    return None


class MenuButtonFilter(Filter):
    """Matches a message whose text is one of ``buttons``; passes ``menu_button`` to the handler."""

    def __init__(self, *buttons: MenuButton) -> None:
        if not buttons:
            raise ValueError("name at least one menu button")
        self.buttons = buttons

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        matched = match_button(message.text, *self.buttons)
        return False if matched is None else {"menu_button": matched}


def menu_button(*buttons: MenuButton) -> MenuButtonFilter:
    return MenuButtonFilter(*buttons)


class FlowInput(Filter):
    """Any message except a ``/command`` and a main-menu button text: what a flow's step may
    take as the user's input. A step waiting for free text must not swallow a command
    (``/my_shifts``) or a menu button from an older keyboard (``Мои смены``): those belong to
    their own handlers, wherever they are."""

    async def __call__(self, message: Message) -> bool:
        text = message.text
        if text is None:
            return True
        return not text.startswith("/") and match_button(text) is None


class TextButtonFilter(Filter):
    """Matches a message whose text is one of ``msgids`` in any locale (a feature's own reply
    keyboard buttons); passes ``button_text`` (the msgid matched) to the handler."""

    def __init__(self, *msgids: str) -> None:
        if not msgids:
            raise ValueError("name at least one text")
        self.msgids = msgids

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        if not message.text:
            return False
        wanted = _normalize(message.text)
        for msgid in self.msgids:
            if wanted in {_normalize(v) for v in variants(msgid)}:
                return {"button_text": msgid}
        return False


def text_button(*msgids: str) -> TextButtonFilter:
    return TextButtonFilter(*msgids)
