"""Texts the runtime itself sends (failure policy, throttling, access). Translated per user."""

from __future__ import annotations

from typing import Final

from workers.bot.locales import N_

__all__ = [
    "ACCESS_BLOCKED",
    "ACCESS_BLOCKED_SUPPORT",
    "APOLOGY",
    "AWAITING_APPROVAL",
    "COMMAND_DISABLED",
    "NOT_REGISTERED",
    "PRIVATE_ONLY",
    "ROLE_REFUSED",
    "SLOW_DOWN",
    "SLOW_DOWN_COMMANDS",
    "SLOW_DOWN_LONG",
    "UNAVAILABLE",
    "UNAVAILABLE_SUPPORT",
]

APOLOGY: Final = N_("Извините, что-то пошло не так. Попробуйте ещё раз или начните заново: /start")
UNAVAILABLE: Final = N_("Сервис временно недоступен. Попробуйте через минуту.")
UNAVAILABLE_SUPPORT: Final = N_(
    "Сервис временно недоступен. Попробуйте через минуту. Поддержка: {support}"
)
# Each throttling notice says when the user may go on (workers.bot.middlewares.ratelimit).
SLOW_DOWN: Final = N_(
    "Слишком много сообщений. Продолжить можно через {seconds} сек.; до тех пор бот не отвечает."
)
SLOW_DOWN_LONG: Final = N_(
    "Слишком много сообщений за час. Продолжить можно в {time} (через {minutes} мин.); "
    "до тех пор бот не отвечает."
)
SLOW_DOWN_COMMANDS: Final = N_(
    "Слишком много команд подряд. Следующую команду можно отправить через {seconds} сек.; "
    "кнопки меню и ответы работают и сейчас."
)
NOT_REGISTERED: Final = N_("Вы ещё не зарегистрированы. Отправьте /start, чтобы начать.")
AWAITING_APPROVAL: Final = N_(
    "Ваша учётная запись ожидает одобрения управляющей компании. "
    "Мы сообщим, когда доступ откроется."
)
ACCESS_BLOCKED: Final = N_("Доступ заблокирован. Обратитесь в управляющую компанию.")
ACCESS_BLOCKED_SUPPORT: Final = N_(
    "Доступ заблокирован. Обратитесь в управляющую компанию. Поддержка: {support}"
)
ROLE_REFUSED: Final = N_("Эта команда недоступна для вашей роли.")
COMMAND_DISABLED: Final = N_("Эта команда сейчас недоступна.")
PRIVATE_ONLY: Final = N_(
    "Этот бот работает только в личных сообщениях, поэтому покидает чат. "
    "Напишите ему лично, если вы житель или сотрудник."
)
