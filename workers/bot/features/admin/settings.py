"""/settings (admin): the gateway-kept settings, shown in one message with a button per change.

Language switches with one tap (the message is edited in place); maintenance is turned off with
one tap but on only after a confirmation showing what residents and executors will see (a stray
tap must not lock everyone out). Confirming also rebuilds the staff roster from U5 (approved
managers and admins): during maintenance the gateway tells staff from everyone else by it, without
reading anyone's profile (:mod:`workers.bot.middlewares.auth`). The texts
(maintenance message RU / UZ, support contact) are asked for in an FSM step, where ``-`` clears
one back to its default. Every change goes through
:class:`~workers.bot.core.gateway_settings.GatewaySettingsStore`, which validates it, logs
who made it and makes it visible to every worker within its cache interval.
"""

from __future__ import annotations

from typing import Final

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from shared.clients import ServiceClients
from shared.clients.errors import ServiceError
from shared.logs import get_logger
from workers.bot.core import gate, ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.gateway_settings import (
    DEFAULT_MAINTENANCE_MESSAGE,
    DEFAULT_QUIET_HOURS,
    MAINTENANCE_MESSAGE_LIMIT,
    SUPPORT_CONTACT_LIMIT,
    GatewaySettings,
    GatewaySettingsStore,
    InvalidSetting,
    SettingChange,
    SettingName,
)
from workers.bot.core.replies import answer, say
from workers.bot.features.admin import texts
from workers.bot.features.admin.keyboards import SettingsCB, btn, markup
from workers.bot.features.admin.render_requests import person_name
from workers.bot.features.admin.states import SettingsEdit

__all__ = ["router", "settings_view"]

log = get_logger(__name__)
router = Router(name="admin-settings")

_SETTINGS = gate.command("settings", gate.ADMIN)
_ADMIN = gate.roles(gate.ADMIN)
_CLEAR: Final = "-"
_ROSTER_PAGES: Final = 50  # 100 a page: a bound on the work, far above any real staff
# Text settings: the button's act → (setting, the question, its limit).
_TEXT_ACTS: Final[dict[str, tuple[SettingName, str, int]]] = {
    "mru": ("maintenance_message_ru", texts.ASK_MESSAGE_RU, MAINTENANCE_MESSAGE_LIMIT),
    "muz": ("maintenance_message_uz", texts.ASK_MESSAGE_UZ, MAINTENANCE_MESSAGE_LIMIT),
    "sup": ("support_contact", texts.ASK_SUPPORT, SUPPORT_CONTACT_LIMIT),
    "qh": ("quiet_hours", texts.ASK_QUIET_HOURS, len("22:00-08:00")),
}
_SETTING_LABELS: Final = {
    "default_language": texts.SETTING_LANGUAGE,
    "maintenance_mode": texts.SETTING_MAINTENANCE,
    "maintenance_message_ru": texts.SETTING_MESSAGE_RU,
    "maintenance_message_uz": texts.SETTING_MESSAGE_UZ,
    "support_contact": texts.SETTING_SUPPORT,
    "quiet_hours": texts.SETTING_QUIET_HOURS,
}


def _language(code: str) -> str:
    return ui.tr(texts.LANGUAGE_UZ if code == "uz" else texts.LANGUAGE_RU)


def _value(text: str, limit: int = 120) -> str:
    return ui.safe(text, limit) if text else ui.tr(texts.NOT_SET)


def _render(
    current: GatewaySettings, last: SettingChange | None, who: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    text = ui.tr(
        texts.SETTINGS,
        language=_language(current.default_language),
        maintenance=ui.tr(
            texts.MAINTENANCE_ON if current.maintenance_mode else texts.MAINTENANCE_OFF
        ),
        message_ru=_value(current.maintenance_message_ru),
        message_uz=_value(current.maintenance_message_uz),
        support=_value(current.support_contact),
    )
    quiet = current.quiet_hours_text if current.quiet_hours else ui.tr(texts.QUIET_HOURS_OFF)
    text += "\n" + ui.tr(texts.QUIET_HOURS_LINE, hours=ui.escape(quiet))
    if last is not None:
        change = ui.tr(
            texts.SETTINGS_LAST_CHANGE,
            setting=ui.tr(_SETTING_LABELS.get(last.setting, texts.NOT_SET)),
            who=ui.safe(who or "—", 100),
            at=ui.fmt_datetime(last.at),
        )
        text += "\n\n" + change
    other = "uz" if current.default_language == "ru" else "ru"
    rows = [
        [
            btn(
                ui.tr(texts.BTN_LANGUAGE_DEFAULT, language=_language(other)),
                SettingsCB(act="luz" if other == "uz" else "lru"),
            )
        ],
        [
            btn(ui.tr(texts.BTN_MAINTENANCE_OFF), SettingsCB(act="mof"))
            if current.maintenance_mode
            else btn(ui.tr(texts.BTN_MAINTENANCE_ON), SettingsCB(act="mon"))
        ],
        [
            btn(ui.tr(texts.BTN_MESSAGE_RU), SettingsCB(act="mru")),
            btn(ui.tr(texts.BTN_MESSAGE_UZ), SettingsCB(act="muz")),
        ],
        [btn(ui.tr(texts.BTN_SUPPORT), SettingsCB(act="sup"))],
        [btn(ui.tr(texts.BTN_QUIET_HOURS), SettingsCB(act="qh"))],
    ]
    return text, markup(rows)


async def settings_view(
    store: GatewaySettingsStore, clients: ServiceClients
) -> tuple[str, InlineKeyboardMarkup]:
    store.invalidate()  # an admin looking at the settings sees what Redis holds now
    current = await store.get()
    history = await store.history(1)
    last = history[0] if history else None
    who = None
    if last is not None and last.actor_user_id is not None:
        try:
            who = person_name(await clients.users.get(last.actor_user_id))
        except ServiceError as exc:
            if ui.is_transient(exc):
                raise
            who = f"#{last.actor_user_id}"
    return _render(current, last, who)


@router.message(Command("settings"), flags=_SETTINGS)
@router.message(ui.menu_button(ui.MenuButton.SETTINGS), flags=_SETTINGS)
async def settings(
    message: Message, clients: ServiceClients, gateway_settings: GatewaySettingsStore
) -> None:
    text, keyboard = await settings_view(gateway_settings, clients)
    await message.answer(text, reply_markup=keyboard)


def _confirm_view(current: GatewaySettings, locale: str) -> tuple[str, InlineKeyboardMarkup]:
    """What turning maintenance on will show (the admin's language), with Confirm and Back."""
    message = current.maintenance_message(locale) or ui.tr(DEFAULT_MAINTENANCE_MESSAGE)
    text = ui.tr(texts.MAINTENANCE_CONFIRM, message=ui.safe(message, MAINTENANCE_MESSAGE_LIMIT))
    rows = [
        [btn(ui.tr(texts.BTN_MAINTENANCE_CONFIRM), SettingsCB(act="mok"))],
        [btn(ui.tr(texts.BTN_BACK), SettingsCB(act="mbk"))],
    ]
    return text, markup(rows)


async def _rebuild_staff_roster(auth: AuthContext, clients: ServiceClients) -> None:
    """The roster from U5: every approved, active manager and admin (best effort: without it
    the roster stays as profile reads left it, which holds whoever of the staff wrote lately)."""
    found: set[int] = {auth.telegram_id}
    try:
        for role in ("manager", "admin"):
            page = 1
            while page <= _ROSTER_PAGES:
                listed = await clients.users.list_users(
                    status="approved", role=role, page=page, size=100
                )
                found.update(u.telegram_id for u in listed.items if u.is_active)
                if page >= listed.pages:
                    break
                page += 1
    except ServiceError as exc:
        log.warning("staff_roster_not_rebuilt", error=type(exc).__name__)
        return
    await auth.set_staff_roster(found)


@router.callback_query(
    SettingsCB.filter(F.act.in_({"lru", "luz", "mon", "mok", "mbk", "mof"})), flags=_ADMIN
)
async def switch(
    query: CallbackQuery,
    callback_data: SettingsCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
    locale: str,
) -> None:
    act = callback_data.act
    if act == "mon":
        gateway_settings.invalidate()
        current = await gateway_settings.get()
        if not current.maintenance_mode:
            await ui.edit_or_send(query, *_confirm_view(current, locale))
            return
        act = "mbk"  # on already (another admin): just the settings as they are
    if act == "mbk":
        await ui.edit_or_send(query, *await settings_view(gateway_settings, clients))
        return
    if act == "mok":
        await _rebuild_staff_roster(auth, clients)
    if act in ("lru", "luz"):
        await gateway_settings.set(
            "default_language",
            "uz" if act == "luz" else "ru",
            actor_user_id=auth.user_id,
            actor_telegram_id=auth.telegram_id,
        )
    else:
        await gateway_settings.set(
            "maintenance_mode",
            act == "mok",
            actor_user_id=auth.user_id,
            actor_telegram_id=auth.telegram_id,
        )
    await answer(query, ui.tr(texts.SAVED))
    await ui.edit_or_send(query, *await settings_view(gateway_settings, clients))


@router.callback_query(SettingsCB.filter(F.act.in_(_TEXT_ACTS)), flags=_ADMIN)
async def ask_text(query: CallbackQuery, callback_data: SettingsCB, state: FSMContext) -> None:
    setting, question, limit = _TEXT_ACTS[callback_data.act]
    await state.set_state(SettingsEdit.value)
    await state.set_data({"setting": setting, "limit": limit})
    await say(query, ui.tr(question, limit=limit), reply_markup=ui.cancel_keyboard())


@router.message(SettingsEdit.value, F.text, flags=_ADMIN)
async def save_text(
    message: Message,
    state: FSMContext,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
) -> None:
    data = await state.get_data()
    setting: SettingName = data["setting"]
    value = (message.text or "").strip()
    if setting == "quiet_hours" and value == _CLEAR:
        value = DEFAULT_QUIET_HOURS
    try:
        await gateway_settings.set(
            setting,
            "" if value == _CLEAR else value,
            actor_user_id=auth.user_id,
            actor_telegram_id=auth.telegram_id,
        )
    except InvalidSetting as exc:
        if setting == "quiet_hours":
            await message.answer(ui.tr(texts.QUIET_HOURS_FORMAT))
            return
        limit = exc.limit or int(data.get("limit", 0))
        await message.answer(ui.tr(texts.TEXT_TOO_LONG, length=len(value), limit=limit))
        return
    await state.clear()
    await message.answer(ui.tr(texts.SAVED), reply_markup=await ui.main_menu(auth, clients))
    text, keyboard = await settings_view(gateway_settings, clients)
    await message.answer(text, reply_markup=keyboard)


@router.message(SettingsEdit.value, flags=_ADMIN)
async def not_text(message: Message) -> None:
    await message.answer(ui.tr(texts.TEXT_EXPECTED))
