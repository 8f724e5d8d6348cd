"""Texts the runtime itself sends (failure policy, throttling, access). Translated per user."""

from __future__ import annotations

from typing import Final

from workers.bot.locales import N_

__all__ = [
    "ACCESS_BLOCKED",
    "APOLOGY",
    "AWAITING_APPROVAL",
    "COMMAND_DISABLED",
    "NOT_REGISTERED",
    "PRIVATE_ONLY",
    "ROLE_REFUSED",
    "SLOW_DOWN",
    "UNAVAILABLE",
    "UNAVAILABLE_SUPPORT",
]

APOLOGY: Final = N_("Извините, что-то пошло не так. Попробуйте ещё раз или начните заново: /start")
UNAVAILABLE: Final = N_("Сервис временно недоступен. Попробуйте через минуту.")
UNAVAILABLE_SUPPORT: Final = N_(
    "Сервис временно недоступен. Попробуйте через минуту. Поддержка: {support}"
)
SLOW_DOWN: Final = N_(
    "Слишком много сообщений. Пожалуйста, подождите {seconds} сек. и попробуйте снова."
)
NOT_REGISTERED: Final = N_("Вы ещё не зарегистрированы. Отправьте /start, чтобы начать.")
AWAITING_APPROVAL: Final = N_(
    "Ваша учётная запись ожидает одобрения управляющей компании. "
    "Мы сообщим, когда доступ откроется."
)
ACCESS_BLOCKED: Final = N_("Доступ заблокирован. Обратитесь в управляющую компанию.")
ROLE_REFUSED: Final = N_("Эта команда недоступна для вашей роли.")
COMMAND_DISABLED: Final = N_("Эта команда сейчас недоступна.")
PRIVATE_ONLY: Final = N_(
    "Этот бот работает только в личных сообщениях, поэтому покидает чат. "
    "Напишите ему лично, если вы житель или сотрудник."
)
