"""Texts of acceptance (Russian msgids; Uzbek in ``acceptance.po``). Media and length messages
are shared with requests (:mod:`workers.bot.features.requests.texts`)."""

from __future__ import annotations

from typing import Final

from workers.bot.locales import N_

LIST_TITLE: Final = N_("<b>Ожидают приёмки</b> — {count}")
LIST_EMPTY: Final = N_("Нет заявок, ожидающих приёмки.")
LIST_HINT: Final = N_("Откройте заявку, чтобы принять работу или вернуть её.")

ASK_RATING: Final = N_("Оцените работу по заявке № {number}:")
THANKS: Final = N_("Спасибо! Заявка № {number} принята, ваша оценка: {stars}.")

ASK_REASON: Final = N_(
    "Что не так с работой по заявке № {number}? Опишите причину одним сообщением: "
    "от {min} до {max} символов."
)
REASON_EXPECTED: Final = N_("Напишите причину текстом: от {min} до {max} символов.")
ASK_MEDIA: Final = N_(
    "Можно приложить до {max} фото или видео. Пришлите их и нажмите «{done}» или нажмите «{skip}»."
)
SUMMARY: Final = N_(
    "<b>Возврат заявки № {number}</b>\n\n<b>Причина:</b>\n{reason}\n\n<b>Фото и видео:</b> {media}"
)
BTN_SEND: Final = N_("✅ Отправить")
BTN_DISCARD: Final = N_("✖️ Не возвращать")
RETURNED: Final = N_("Заявка № {number} возвращена. Менеджер разберётся и сообщит о решении.")
DISCARDED: Final = N_("Возврат отменён.")
