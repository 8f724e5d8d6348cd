"""Texts of the comment thread (Russian msgids; Uzbek in ``comments.po``)."""

from __future__ import annotations

from typing import Final

from workers.bot.locales import N_

TITLE: Final = N_("<b>Комментарии к заявке № {number}</b>")
EMPTY: Final = N_("Комментариев пока нет.")
ENTRY: Final = N_("<i>{when}</i> · <b>{author}</b>: {text}")
STATUS_ENTRY: Final = N_("<i>{when}</i> · {author}: статус «{status}»")
INTERNAL: Final = N_("🔒 внутренний")
SYSTEM: Final = N_("Система")
ASK: Final = N_("Напишите комментарий к заявке № {number} одним сообщением (до {max} символов).")
EXPECTED: Final = N_("Напишите комментарий текстом (до {max} символов).")
TOO_LONG: Final = N_("Слишком длинный комментарий: {length} символов, можно до {max}.")
SAVED: Final = N_("Комментарий к заявке № {number} добавлен.")
NOT_FOUND: Final = N_("Заявка не найдена.")
