"""Texts of the manager's and admin's tools: request lists, users, invites, analytics, settings."""

from __future__ import annotations

from typing import Final

# The manager's card is drawn in core (one card per role); its texts are named here too.
from workers.bot.core.cards.texts import BTN_ASSIGN_EXECUTOR as BTN_ASSIGN_EXECUTOR
from workers.bot.core.cards.texts import BTN_ASSIGN_GROUP as BTN_ASSIGN_GROUP
from workers.bot.core.cards.texts import BTN_CANCEL_REQUEST as BTN_CANCEL_REQUEST
from workers.bot.core.cards.texts import BTN_CLARIFY as BTN_CLARIFY
from workers.bot.core.cards.texts import BTN_CONFIRM as BTN_CONFIRM
from workers.bot.core.cards.texts import BTN_FORCE_ACCEPT as BTN_FORCE_ACCEPT
from workers.bot.core.cards.texts import BTN_RETURN_TO_WORK as BTN_RETURN_TO_WORK
from workers.bot.core.cards.texts import CARD_GROUP as CARD_GROUP
from workers.bot.core.cards.texts import CARD_RATING as CARD_RATING
from workers.bot.core.cards.texts import CARD_REPORT as CARD_REPORT
from workers.bot.core.cards.texts import CARD_RETURN_REASON as CARD_RETURN_REASON
from workers.bot.core.cards.texts import MANAGER_CARD as MANAGER_CARD
from workers.bot.locales import N_

BTN_BACK: Final = N_("« Назад")
BTN_YES: Final = N_("Да")
BTN_NO: Final = N_("Нет")
BTN_SAVE: Final = N_("Сохранить")
NOT_SET: Final = N_("не задано")
TEXT_TOO_LONG: Final = N_("Слишком длинный текст: {length} символов, можно не больше {limit}.")
TEXT_EXPECTED: Final = N_("Пожалуйста, отправьте текст.")
SAVED: Final = N_("Сохранено.")

# Manager request lists and cards.
TAB_NEW: Final = N_("Новые")
TAB_DONE: Final = N_("На проверке")
TAB_RETURNED: Final = N_("Возвращённые")
TAB_PURCHASE: Final = N_("Закуп")
TAB_CLARIFICATION: Final = N_("Уточнение")
REQUESTS_TITLE: Final = N_("<b>Заявки · {tab}</b> (всего: {total})")
REQUESTS_EMPTY: Final = N_("<b>Заявки · {tab}</b>\nЗдесь пока пусто.")
REQUEST_LINE: Final = N_("<b>№ {number}</b> · {category} · {urgency} · {date}\n{preview}")
BTN_REQUEST: Final = N_("№ {number}")
PICK_GROUP: Final = N_("Заявка № {number}: выберите группу исполнителей.")
PICK_EXECUTOR: Final = N_("Заявка № {number}: выберите исполнителя ({group}).")
PICK_ON_SHIFT: Final = N_("🟢 — на смене сейчас (они первые).")
PICK_NOBODY_ON_SHIFT: Final = N_("Сейчас никто из них не на смене.")
NO_EXECUTORS: Final = N_("Нет одобренных исполнителей этой специализации.")
ASK_RETURN_REASON: Final = N_(
    "Заявка № {number}: почему работа возвращается исполнителю? (до {limit} символов)"
)
ASK_QUESTION: Final = N_("Заявка № {number}: какой вопрос задать жителю? (до {limit} символов)")
ASK_CANCEL_REASON: Final = N_("Заявка № {number}: причина отмены? (до {limit} символов)")
REQUEST_UPDATED: Final = N_("Заявка № {number}: {status}.")

# Users.
# After an approval: the menu comes again with the pending badge as it is now.
PENDING_LEFT: Final = N_("Ожидают одобрения: {count}.")
USERS_TITLE: Final = N_("<b>Пользователи</b> · {filters} (всего: {total})")
USERS_EMPTY: Final = N_("<b>Пользователи</b> · {filters}\nНикого не найдено.")
USERS_SEARCH_FILTER: Final = N_("поиск «{query}»")
ALL_STATUSES: Final = N_("все статусы")
ALL_ROLES: Final = N_("все роли")
USER_LINE: Final = N_("{name}{username} · {status} · {roles}")
BTN_FILTER_PENDING: Final = N_("Ожидают")
BTN_FILTER_APPROVED: Final = N_("Одобренные")
BTN_FILTER_BLOCKED: Final = N_("Заблокированные")
BTN_FILTER_ALL: Final = N_("Все")
BTN_ROLE_ANY: Final = N_("Любая роль")
BTN_SEARCH: Final = N_("Поиск")
BTN_RESET: Final = N_("Сбросить")
BTN_INVITE: Final = N_("Создать приглашение")
SEARCHING: Final = N_("Поиск: «{query}»")
SEARCH_ASK: Final = N_("Введите имя, username или телефон (до {limit} символов).")
USER_CARD: Final = N_(
    "<b>{name}</b>\n"
    "Username: {username}\n"
    "Телефон: {phone}\n"
    "Статус: {status}\n"
    "Роли: {roles}\n"
    "Специализации: {specializations}"
)
USER_LINKS: Final = N_("<b>Квартиры:</b>\n{links}")
LINK_LINE: Final = N_("{address} — {status}")
APARTMENT: Final = N_("кв. {number}")
BTN_APPROVE: Final = N_("Одобрить")
BTN_REJECT_LINK: Final = N_("Отклонить кв. {apartment}")
BTN_BLOCK: Final = N_("Заблокировать")
BTN_UNBLOCK: Final = N_("Разблокировать")
BTN_ROLES: Final = N_("Роли")
BTN_SPECIALIZATIONS: Final = N_("Специализации")
BTN_TO_LIST: Final = N_("« К списку")
ASK_BLOCK: Final = N_("Заблокировать пользователя {name}? Он потеряет доступ к боту.")
ASK_UNBLOCK: Final = N_("Разблокировать пользователя {name}?")
USER_APPROVED: Final = N_("Пользователь одобрен.")
USER_BLOCKED: Final = N_("Пользователь заблокирован.")
USER_UNBLOCKED: Final = N_("Пользователь разблокирован.")
LINK_REJECTED_DONE: Final = N_("Квартира отклонена.")
ROLES_ASK: Final = N_("Роли пользователя {name}: отметьте нужные и нажмите «Сохранить».")
SPECS_ASK: Final = N_("Специализации пользователя {name}: отметьте нужные и нажмите «Сохранить».")
ROLES_REQUIRED: Final = N_("Нужна хотя бы одна роль.")
CHECKED: Final = N_("✅ {label}")
UNCHECKED: Final = N_("▫️ {label}")

# Invites.
INVITE_ROLE: Final = N_("Приглашение: выберите роль.")
INVITE_SPECS: Final = N_("Приглашение исполнителя: отметьте специализации и нажмите «Далее».")
INVITE_LIFETIME: Final = N_("Сколько действует приглашение?")
BTN_NEXT: Final = N_("Далее")
BTN_HOURS_24: Final = N_("1 день")
BTN_HOURS_72: Final = N_("3 дня")
BTN_HOURS_168: Final = N_("7 дней")
INVITE_CREATED: Final = N_(
    "<b>Приглашение создано</b>\n"
    "Роль: {role}\n"
    "Специализации: {specializations}\n"
    "Действует до: {expires}\n\n"
    "Отправьте ссылку сотруднику:\n{link}"
)

# Analytics.
ANALYTICS_TITLE: Final = N_("<b>Аналитика</b> за {days} дн.: {start} – {end}")
ANALYTICS_CREATED: Final = N_("Создано заявок: {count}")
ANALYTICS_BY_STATUS: Final = N_("<b>По статусам</b>")
ANALYTICS_BY_CATEGORY: Final = N_("<b>По категориям</b>")
ANALYTICS_BY_URGENCY: Final = N_("<b>По срочности</b>")
ANALYTICS_ROW: Final = N_("{label}: {count}")
ANALYTICS_RATING: Final = N_("Средняя оценка: {rating}")
ANALYTICS_HOURS: Final = N_("Среднее время выполнения: {hours} ч")
ANALYTICS_USERS: Final = N_("<b>Пользователи</b>: всего {total}, новых за период {new}")
ANALYTICS_USERS_BY_STATUS: Final = N_("<b>Пользователи по статусам</b>")
ANALYTICS_USERS_BY_ROLE: Final = N_("<b>Пользователи по ролям</b>")
BTN_DAYS: Final = N_("{days} дней")

# Settings (admin).
SETTINGS: Final = N_(
    "<b>Настройки бота</b>\n"
    "Язык по умолчанию: {language}\n"
    "Техобслуживание: {maintenance}\n"
    "Сообщение (RU): {message_ru}\n"
    "Сообщение (UZ): {message_uz}\n"
    "Контакт поддержки: {support}"
)
SETTINGS_LAST_CHANGE: Final = N_("Последнее изменение: {setting}, {who}, {at}")
MAINTENANCE_ON: Final = N_("включено")
MAINTENANCE_OFF: Final = N_("выключено")
LANGUAGE_RU: Final = N_("Русский")
LANGUAGE_UZ: Final = N_("O'zbekcha")
BTN_LANGUAGE_DEFAULT: Final = N_("Язык по умолчанию: {language}")
BTN_MAINTENANCE_ON: Final = N_("Включить техобслуживание")
BTN_MAINTENANCE_OFF: Final = N_("Выключить техобслуживание")
MAINTENANCE_CONFIRM: Final = N_(
    "<b>Включить техобслуживание?</b>\n"
    "Жители и исполнители будут получать только это сообщение:\n\n"
    "<i>{message}</i>\n\n"
    "Менеджеры и администраторы продолжат работать."
)
BTN_MAINTENANCE_CONFIRM: Final = N_("Да, включить")
BTN_MESSAGE_RU: Final = N_("Сообщение RU")
BTN_MESSAGE_UZ: Final = N_("Сообщение UZ")
BTN_SUPPORT: Final = N_("Контакт поддержки")
ASK_MESSAGE_RU: Final = N_(
    "Отправьте текст о техобслуживании на русском (до {limit} символов). «-» вернёт текст по "
    "умолчанию."
)
ASK_MESSAGE_UZ: Final = N_(
    "Отправьте текст о техобслуживании на узбекском (до {limit} символов). «-» вернёт текст по "
    "умолчанию."
)
ASK_SUPPORT: Final = N_("Отправьте контакт поддержки (до {limit} символов). «-» очистит его.")
SETTING_LANGUAGE: Final = N_("язык по умолчанию")
SETTING_MAINTENANCE: Final = N_("техобслуживание")
SETTING_MESSAGE_RU: Final = N_("сообщение RU")
SETTING_MESSAGE_UZ: Final = N_("сообщение UZ")
SETTING_SUPPORT: Final = N_("контакт поддержки")
SETTING_QUIET_HOURS: Final = N_("тихие часы")
QUIET_HOURS_LINE: Final = N_("<b>Тихие часы уведомлений:</b> {hours}")
QUIET_HOURS_OFF: Final = N_("выключены")
BTN_QUIET_HOURS: Final = N_("🌙 Тихие часы")
ASK_QUIET_HOURS: Final = N_(
    "Отправьте тихие часы по Ташкенту в виде 22:00-08:00 или off, чтобы выключить. "
    "«-» вернёт 22:00-08:00. Срочное приходит и в тихие часы."
)
QUIET_HOURS_FORMAT: Final = N_("Не понял. Пример: 22:00-08:00, или off.")
