"""Texts of the broadcast flow (compose → audience → preview → confirm)."""

from __future__ import annotations

from typing import Final

from workers.bot.locales import N_

ASK_TEXT: Final = N_(
    "<b>Новая рассылка</b>\n"
    "Отправьте текст сообщения (до {limit} символов). Можно приложить одно фото с подписью "
    "(подпись до {caption_limit} символов)."
)
TEXT_OR_PHOTO: Final = N_("Отправьте текст или фото с подписью.")
TEXT_TOO_LONG: Final = N_("Слишком длинный текст: {length} символов, можно не больше {limit}.")
CAPTION_TOO_LONG: Final = N_(
    "Подпись к фото слишком длинная: {length} символов, можно не больше {limit}. Сократите её "
    "или отправьте текст без фото."
)
ASK_AUDIENCE: Final = N_("Кому отправить рассылку?")
AUDIENCE_RESIDENTS: Final = N_("Все жители")
AUDIENCE_YARD: Final = N_("Жители двора")
AUDIENCE_BUILDING: Final = N_("Жители дома")
AUDIENCE_EXECUTORS: Final = N_("Все исполнители")
AUDIENCE_SPECIALIZATION: Final = N_("Исполнители по специализации")
AUDIENCE_MANAGERS: Final = N_("Менеджеры")
AUDIENCE_EVERYONE: Final = N_("Все одобренные пользователи")
PICK_YARD: Final = N_("Выберите двор.")
PICK_BUILDING: Final = N_("Выберите дом.")
PICK_SPECIALIZATION: Final = N_("Выберите специализацию.")
NOTHING_TO_PICK: Final = N_("Список пуст.")
LABEL_YARD: Final = N_("жители двора «{name}»")
LABEL_BUILDING: Final = N_("жители дома «{name}»")
LABEL_SPECIALIZATION: Final = N_("исполнители: {specialization}")
PREVIEW_TITLE: Final = N_("Так рассылку увидят получатели:")
PREVIEW_SUMMARY: Final = N_(
    "<b>Проверьте рассылку</b>\nКому: {audience}\nПолучателей: {count}\n\nОтправить?"
)
NO_RECIPIENTS: Final = N_("В этой аудитории нет ни одного получателя. Выберите другую.")
BTN_SEND: Final = N_("Отправить")
BTN_CHANGE_AUDIENCE: Final = N_("Изменить аудиторию")
BTN_BACK: Final = N_("« Назад")
STARTED: Final = N_("Рассылка № {number} запущена.")
STOP_REQUESTED: Final = N_("Рассылка остановлена.")
ALREADY_FINISHED: Final = N_("Эта рассылка уже завершена.")
DRAFT_LOST: Final = N_("Черновик рассылки не найден. Начните заново.")
