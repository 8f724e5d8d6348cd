"""Texts of /help, /menu, /language, /cancel, the role switch, the profile and maintenance."""

from __future__ import annotations

from typing import Final

from workers.bot.locales import N_

HELP_HEADER: Final = N_("<b>Команды</b>")
HELP_LINE: Final = N_("{command} — {description}")
HELP_BUTTONS: Final = N_("Кнопки меню внизу экрана повторяют эти команды.")
HELP_SUPPORT: Final = N_("Поддержка: {support}")

MENU_FOR_ROLE: Final = N_("Главное меню · {role}")

LANGUAGE_PROMPT: Final = N_("Выберите язык:")
LANGUAGE_CHANGED: Final = N_("Язык изменён: русский.")

CANCELLED: Final = N_("Действие отменено.")
NOTHING_TO_CANCEL: Final = N_("Нечего отменять.")

ROLE_CHOOSE: Final = N_("Выберите роль:")
ROLE_SWITCHED: Final = N_("Активная роль: {role}")
ROLE_SINGLE: Final = N_("У вас одна роль, переключать нечего.")

PROFILE_TITLE: Final = N_("<b>Профиль</b>")
PROFILE_NAME: Final = N_("Имя: {name}")
PROFILE_USERNAME: Final = N_("Имя пользователя: {username}")
PROFILE_PHONE: Final = N_("Телефон: {phone}")
PROFILE_NO_PHONE: Final = N_("Телефон: не указан")
PROFILE_STATUS: Final = N_("Статус: {status}")
PROFILE_ROLES: Final = N_("Роли: {roles}")
PROFILE_ACTIVE_ROLE: Final = N_("Активная роль: {role}")
PROFILE_APARTMENTS: Final = N_("Квартиры:")
PROFILE_NO_APARTMENTS: Final = N_("Квартиры: нет")
PROFILE_APARTMENT: Final = N_("• {yard}, {building}, кв. {number} — {status}")
