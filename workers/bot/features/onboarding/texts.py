"""Texts of /start and onboarding."""

from __future__ import annotations

from typing import Final

from workers.bot.locales import N_

WELCOME: Final = N_("Добро пожаловать, {name}!")
WELCOME_NEW: Final = N_(
    "Здравствуйте! Это бот управляющей компании: заявки, их статус и приёмка работ."
)
WHO_ARE_YOU: Final = N_("Кто вы?")
BTN_RESIDENT: Final = N_("Я житель")
BTN_EMPLOYEE: Final = N_("Я сотрудник")
CHOSE_RESIDENT: Final = N_("Вы житель.")
CHOSE_EMPLOYEE: Final = N_("Вы сотрудник.")
ASK_INVITE: Final = N_(
    "Отправьте код приглашения или ссылку, которую вам дал менеджер. Выйти: /cancel"
)
INVITE_FORMAT: Final = N_(
    "Это не похоже на код приглашения. Отправьте ссылку вида https://t.me/…?start=join_… "
    "или сам код. Выйти: /cancel"
)
JOINED: Final = N_("Вы присоединились как {role}.")
JOIN_LIMITED: Final = N_("Слишком много попыток. Попробуйте снова через {minutes} мин.")

UNDER_REVIEW: Final = N_(
    "Спасибо! Ваши данные на проверке у управляющей компании. Мы сообщим, когда доступ откроется."
)


ASK_PHONE: Final = N_("Введите номер телефона, например: +998901234567")
PHONE_INVALID: Final = N_(
    "Не похоже на номер телефона. Введите его так: +998901234567, 998901234567 или 901234567"
)
PHONE_NOT_OWN: Final = N_("Отправьте свой номер кнопкой «Отправить мой номер».")
PHONE_SAVED: Final = N_("Номер телефона сохранён: {phone}")

PICK_YARD: Final = N_("Выберите двор:")
PICK_BUILDING: Final = N_("Двор: {yard}\nВыберите дом:")
PICK_APARTMENT: Final = N_("Дом: {building}\nВыберите квартиру:")
PICK_EMPTY: Final = N_("Здесь пока ничего нет.")
CONFIRM_APARTMENT: Final = N_("Привязать квартиру?\n{yard}, {building}, кв. {number}")
BTN_BACK: Final = N_("Назад")
BTN_CONFIRM: Final = N_("Подтвердить")
APARTMENT_SENT: Final = N_(
    "Квартира {yard}, {building}, кв. {number} отправлена на одобрение менеджеру."
)
APARTMENT_EXISTS: Final = N_("Эта квартира уже привязана к вам, статус: {status}.")
