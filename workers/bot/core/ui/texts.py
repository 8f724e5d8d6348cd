"""Texts of the shared UI toolkit: menu buttons, pager, stale buttons and error messages."""

from __future__ import annotations

from typing import Final

from workers.bot.core import texts as runtime_texts
from workers.bot.locales import N_

# Main menu buttons (reply keyboard). A badge " (N)" may follow the text; matching strips it.
BTN_CREATE_REQUEST: Final = N_("Создать заявку")
BTN_MY_REQUESTS: Final = N_("Мои заявки")
BTN_ACCEPTANCE: Final = N_("Приёмка")
BTN_PROFILE: Final = N_("Профиль")
BTN_LANGUAGE: Final = N_("Язык")
BTN_HELP: Final = N_("Помощь")
BTN_ACTIVE_REQUESTS: Final = N_("Активные заявки")
BTN_GROUP_POOL: Final = N_("Общие заявки")
BTN_MY_SHIFTS: Final = N_("Мои смены")
BTN_SCHEDULE: Final = N_("График")
BTN_TAKE_SHIFT: Final = N_("Взять смену")
BTN_START_SHIFT: Final = N_("Начать смену")
BTN_END_SHIFT: Final = N_("Завершить смену")
BTN_REQUESTS: Final = N_("Заявки")
BTN_USERS: Final = N_("Пользователи")
BTN_ANALYTICS: Final = N_("Аналитика")
BTN_SETTINGS: Final = N_("Настройки")
BTN_BROADCAST: Final = N_("Рассылка")
BTN_SWITCH_ROLE: Final = N_("Сменить роль")
BTN_CANCEL: Final = N_("Отмена")

MENU: Final = N_("Главное меню")

# An address line: "Olmazor-1, Navoiy 12, кв. 45".
ADDRESS_APARTMENT: Final = N_("кв. {number}")

# An apartment link's state, in the profile, the manager's user card and onboarding.
LINK_PENDING: Final = N_("на проверке")
LINK_APPROVED: Final = N_("подтверждена")
LINK_REJECTED: Final = N_("отклонена")
LINK_STATUS: Final = {"pending": LINK_PENDING, "approved": LINK_APPROVED, "rejected": LINK_REJECTED}
PROFILE_SPECIALIZATIONS: Final = N_("Специализации: {specializations}")

# A form put aside by a command typed in one of its steps (workers.bot.core.parked).
PARKED_OFFER: Final = N_("Начатое заполнение сохранено. Продолжить с того же шага?")
BTN_PARKED_CONTINUE: Final = N_("Продолжить")
BTN_PARKED_DISCARD: Final = N_("Удалить черновик")
PARKED_RESUMED: Final = N_("Продолжаем с того же шага. Отправьте ответ на последний вопрос.")
PARKED_DISCARDED: Final = N_("Черновик удалён.")
PARKED_BACK: Final = N_("Продолжаем с того же шага.")

# Pager and stale buttons.
PAGE_OF: Final = N_("{page} из {pages}")
OUTDATED: Final = N_("Эта кнопка устарела.")

# Downstream errors (docs/behaviour.md §4, "When a service fails"); ``detail`` is never shown.
# The plain "temporarily unavailable" is the runtime's (workers.bot.core.texts.UNAVAILABLE).
# The runtime says it too (the last attempt of a transient failure): one msgid, defined there.
UNAVAILABLE_SUPPORT: Final = runtime_texts.UNAVAILABLE_SUPPORT
GENERIC_ERROR: Final = N_("Не удалось выполнить действие. Попробуйте ещё раз.")
GENERIC_ERROR_SUPPORT: Final = N_(
    "Не удалось выполнить действие. Попробуйте ещё раз. Поддержка: {support}"
)
ERR_NOT_FOUND: Final = N_("Не найдено.")
ERR_FORBIDDEN: Final = N_("Недостаточно прав для этого действия.")
ERR_NOT_APPROVED: Final = N_("Ваша учётная запись ещё не одобрена.")
ERR_CHANGED: Final = N_("Данные уже изменились. Откройте их заново.")
ERR_ALREADY_CLAIMED: Final = N_("Эту заявку уже взял другой исполнитель.")
ERR_SHIFT_TAKEN: Final = N_("Эту смену уже занял другой исполнитель.")
ERR_NO_ACTIVE_SHIFT: Final = N_("Сначала начните смену.")
ERR_SPECIALIZATION_MISMATCH: Final = N_("Эта смена не подходит под вашу специализацию.")
ERR_SHIFT_OVERLAP: Final = N_("Эта смена пересекается с другой вашей сменой.")
ERR_OUTSIDE_SHIFT_WINDOW: Final = N_("Сейчас эту смену начать нельзя.")
ERR_SHIFT_STATE: Final = N_("Смена уже в другом состоянии. Откройте список заново.")
ERR_INVITE_INVALID: Final = N_("Приглашение не найдено. Проверьте код или ссылку.")
ERR_INVITE_EXPIRED: Final = N_("Срок действия приглашения истёк. Попросите новое.")
ERR_INVITE_USED: Final = N_("Это приглашение уже использовано.")
ERR_INVALID_PHONE: Final = N_("Неверный номер телефона. Пример: +998901234567")
ERR_PHONE_REQUIRED: Final = N_("Сначала укажите номер телефона в профиле.")
ERR_ADDRESS_NOT_LINKED: Final = N_("Этот адрес не привязан к вашей учётной записи.")
ERR_COMMENT_REQUIRED: Final = N_("Нужен комментарий.")
ERR_SPECIALIZATION_REQUIRED: Final = N_("Для исполнителя выберите хотя бы одну специализацию.")
ERR_RANGE_TOO_LONG: Final = N_("Слишком длинный период: не больше 31 дня.")
ERR_ROLE_NOT_HELD: Final = N_("У вас нет этой роли.")
ERR_LINK_EXISTS: Final = N_("Эта квартира уже привязана или ждёт проверки.")
ERR_INVALID_INPUT: Final = N_("Данные не прошли проверку. Проверьте и попробуйте ещё раз.")
