"""Texts of the fallback router."""

from __future__ import annotations

from typing import Final

from workers.bot.locales import N_

HINT_IDLE: Final = N_("Не понял сообщение. Воспользуйтесь кнопками меню или отправьте /help.")
HINT_IN_FLOW: Final = N_(
    "Сейчас я жду другой ответ. Следуйте подсказке выше или отправьте /cancel, чтобы выйти."
)
UNKNOWN_COMMAND: Final = N_("Такой команды нет. Список команд: /help")
