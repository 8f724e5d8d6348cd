"""Labels of the product's enumerations in RU and UZ (docs/behaviour.md §3), looked up by key.

A table rather than gettext: several Russian labels are the same word for different keys whose
Uzbek differs (``Отменена`` is a cancelled request, *Bekor qilindi*, and a cancelled shift,
*Bekor qilingan*; ``Электрика`` is the category *Elektrik* and the specialization *Elektrika*),
which one catalog keyed by the Russian text cannot hold. An unknown key is shown as it is, so a
value newer than this table still reads as something.
"""

from __future__ import annotations

from typing import Final, Literal

from aiogram.utils.i18n import I18n

from workers.bot.core.vocabulary import MENU_CATEGORIES
from workers.bot.locales import DEFAULT_LOCALE

__all__ = [
    "LABELS",
    "MENU_CATEGORIES",
    "LabelKind",
    "category_label",
    "current_locale",
    "label",
    "role_label",
    "shift_status_label",
    "specialization_label",
    "status_label",
    "urgency_label",
    "user_status_label",
]

LabelKind = Literal[
    "category", "urgency", "status", "role", "user_status", "specialization", "shift_status"
]

LABELS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "category": {
        "electricity": ("Электрика", "Elektrik"),
        "plumbing": ("Сантехника", "Santexnika"),
        "heating": ("Отопление", "Isitish"),
        "elevator": ("Лифт", "Lift"),
        "cleaning": ("Уборка", "Tozalash"),
        "landscaping": ("Благоустройство", "Obodlashtirish"),
        "security": ("Безопасность", "Xavfsizlik"),
        "internet": ("Интернет/ТВ", "Internet/TV"),
        "repair": ("Ремонт", "Taʼmirlash"),
        "ventilation": ("Вентиляция", "Ventilyatsiya"),
        "other": ("Другое", "Boshqa"),
    },
    "urgency": {
        "low": ("Обычная", "Oddiy"),
        "medium": ("Средняя", "O'rta"),
        "high": ("Срочная", "Shoshilinch"),
        "critical": ("Критическая", "Kritik"),
    },
    "status": {
        "new": ("Новая", "Yangi"),
        "in_progress": ("В работе", "Ishda"),
        "purchase": ("Закуп", "Xarid"),
        "clarification": ("Уточнение", "Aniqlashtirish"),
        "done": ("Выполнена", "Bajarildi"),
        "confirmed": ("Исполнено", "Ijro etildi"),
        "returned": ("Возвращена", "Qaytarildi"),
        "accepted": ("Принято", "Qabul qilindi"),
        "cancelled": ("Отменена", "Bekor qilindi"),
    },
    "role": {
        "applicant": ("Заявитель", "Ariza beruvchi"),
        "executor": ("Исполнитель", "Ijrochi"),
        "manager": ("Менеджер", "Menejer"),
        "admin": ("Администратор", "Administrator"),
    },
    "user_status": {
        "pending": ("Ожидает одобрения", "Tasdiqlanishi kutilmoqda"),
        "approved": ("Одобрен", "Tasdiqlangan"),
        "blocked": ("Заблокирован", "Bloklangan"),
    },
    "specialization": {
        "electrician": ("Электрика", "Elektrika"),
        "plumber": ("Сантехника", "Santexnika"),
        "heating": ("Отопление", "Isitish"),
        "ventilation": ("Вентиляция", "Ventilyatsiya"),
        "elevator": ("Лифт", "Lift"),
        "cleaning": ("Уборка", "Tozalash"),
        "security": ("Безопасность", "Xavfsizlik"),
        "landscaping": ("Благоустройство", "Obodonlashtirish"),
        "repair": ("Ремонт", "Taʼmirlash"),
        "universal": ("Универсальная", "Universal"),
    },
    "shift_status": {
        "planned": ("Запланирована", "Rejalashtirilgan"),
        "active": ("Активна", "Faol"),
        "paused": ("Пауза", "Pauza"),
        "completed": ("Завершена", "Yakunlangan"),
        "cancelled": ("Отменена", "Bekor qilingan"),
    },
}


def current_locale() -> str:
    """The locale of the update being handled (the i18n middleware's context), else Russian."""
    i18n = I18n.get_current(no_error=True)
    return i18n.current_locale if i18n is not None else DEFAULT_LOCALE


def label(kind: LabelKind, key: str | None, locale: str | None = None) -> str:
    """The RU/UZ label of ``key`` (plain text: escape it like any other value in HTML)."""
    if key is None:
        return ""
    pair = LABELS[kind].get(key)
    if pair is None:
        return key
    return pair[1] if (locale or current_locale()) == "uz" else pair[0]


def category_label(key: str | None, locale: str | None = None) -> str:
    return label("category", key, locale)


def urgency_label(key: str | None, locale: str | None = None) -> str:
    return label("urgency", key, locale)


def status_label(key: str | None, locale: str | None = None) -> str:
    return label("status", key, locale)


def role_label(key: str | None, locale: str | None = None) -> str:
    return label("role", key, locale)


def user_status_label(key: str | None, locale: str | None = None) -> str:
    return label("user_status", key, locale)


def specialization_label(key: str | None, locale: str | None = None) -> str:
    return label("specialization", key, locale)


def shift_status_label(key: str | None, locale: str | None = None) -> str:
    return label("shift_status", key, locale)
