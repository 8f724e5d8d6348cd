"""Texts of the executor's work: active requests, the group pool, purchase and completion."""

from __future__ import annotations

from typing import Final

# The executor's card is drawn in core (one card per role); its texts are named here too.
from workers.bot.core.cards.texts import BTN_COMPLETE as BTN_COMPLETE
from workers.bot.core.cards.texts import BTN_PURCHASE as BTN_PURCHASE
from workers.bot.core.cards.texts import BTN_RESUME as BTN_RESUME
from workers.bot.core.cards.texts import CARD_REPORT as CARD_REPORT
from workers.bot.locales import N_

# Lists.
ACTIVE_TITLE: Final = N_("<b>Мои активные заявки</b> (всего: {total})")
ACTIVE_EMPTY: Final = N_("У вас нет активных заявок.")
POOL_TITLE: Final = N_("<b>Общие заявки</b> по вашим специализациям (всего: {total})")
POOL_EMPTY: Final = N_("Свободных заявок по вашим специализациям нет.")
LIST_LINE: Final = N_("<b>№ {number}</b> · {status} · {category} · {urgency}\n{preview}")
BTN_OPEN: Final = N_("№ {number}")
BTN_CLAIM: Final = N_("Взять № {number}")
BTN_BACK: Final = N_("« Назад")
BTN_REFRESH: Final = N_("Обновить")

# Work actions.
CLAIMED: Final = N_("Заявка № {number} теперь ваша. Удачной работы!")
CLAIM_MISMATCH: Final = N_("Эта заявка не по вашей специализации.")
PURCHASE_ASK: Final = N_(
    "Заявка № {number}: какие материалы нужны? Напишите одним сообщением (до {limit} символов)."
)
PURCHASE_DONE: Final = N_("Заявка № {number} переведена в «Закуп».")
RESUMED: Final = N_("Работа по заявке № {number} продолжается.")
REPORT_ASK: Final = N_("Заявка № {number}: опишите выполненную работу (от 1 до {limit} символов).")
TEXT_TOO_LONG: Final = N_("Слишком длинный текст: {length} символов, можно не больше {limit}.")
TEXT_EXPECTED: Final = N_("Пожалуйста, отправьте текст.")
MEDIA_ASK: Final = N_(
    "Прикрепите фото или видео выполненной работы (до {limit}) или нажмите «Готово»."
)
MEDIA_ADDED: Final = N_("Добавлено файлов: {count} из {limit}.")
MEDIA_LIMIT: Final = N_("Можно прикрепить не больше {limit} файлов. Этот файл не сохранён.")
MEDIA_EXPECTED: Final = N_("Отправьте фото или видео, или нажмите «Готово».")
BTN_FINISH: Final = N_("Готово")
COMPLETED: Final = N_("Заявка № {number} выполнена. Менеджер проверит работу.")
