"""Texts of the role cards and their extras (catalog ``comments.po``: the request thread's).

The executor's and the manager's card texts keep the msgids they had in their features."""

from __future__ import annotations

from typing import Final

from workers.bot.locales import N_

# Extras shown on every card.
BTN_PHOTOS: Final = N_("📷 Фото ({count})")
PHOTOS_OF_REQUEST: Final = N_("Заявка № {number}: фото заявки ({count})")
PHOTOS_OF_COMPLETION: Final = N_("Заявка № {number}: фото выполнения ({count})")
PHOTOS_NONE: Final = N_("У заявки № {number} нет фото.")
PHOTOS_COUNT: Final = N_("<b>Фото:</b> {count} — кнопка «Фото» ниже")
THREAD_QUESTION: Final = N_("<b>Вопрос:</b> {question}")
THREAD_ANSWERS: Final = N_("<b>Ответы:</b>")
THREAD_ANSWER: Final = N_("— {author}, {date}: {text}")
THREAD_NO_ANSWER: Final = N_("Ответа пока нет.")

# The executor's card (msgids of features/executor).
EXECUTOR_CARD: Final = N_(
    "<b>Заявка № {number}</b>\n"
    "Статус: {status}\n"
    "Категория: {category}\n"
    "Срочность: {urgency}\n"
    "Адрес: {address}\n"
    "Создана: {created}\n\n"
    "{description}"
)
CARD_REPORT: Final = N_("Отчёт: {report}")
BTN_PURCHASE: Final = N_("Закуп материалов")
BTN_RESUME: Final = N_("Продолжить работу")
BTN_COMPLETE: Final = N_("Выполнено")
BTN_BACK: Final = N_("« Назад")

# The manager's card (msgids of features/admin).
MANAGER_CARD: Final = N_(
    "<b>Заявка № {number}</b>\n"
    "Статус: {status}\n"
    "Категория: {category}\n"
    "Срочность: {urgency}\n"
    "Адрес: {address}\n"
    "Заявитель: {applicant}\n"
    "Исполнитель: {executor}\n"
    "Создана: {created}\n\n"
    "{description}"
)
CARD_GROUP: Final = N_("группа «{group}»")
CARD_RETURN_REASON: Final = N_("Причина возврата: {reason}")
CARD_RATING: Final = N_("Оценка: {rating}")
BTN_ASSIGN_GROUP: Final = N_("Назначить группе")
BTN_ASSIGN_EXECUTOR: Final = N_("Назначить исполнителя")
BTN_CONFIRM: Final = N_("Подтвердить")
BTN_RETURN_TO_WORK: Final = N_("Вернуть в работу")
BTN_CLARIFY: Final = N_("Уточнить")
BTN_CANCEL_REQUEST: Final = N_("Отменить заявку")
BTN_FORCE_ACCEPT: Final = N_("Принять за жителя")
BTN_MANAGER_RESUME: Final = N_("▶️ Возобновить работу")
