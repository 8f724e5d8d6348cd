"""Texts of the requests feature (Russian msgids; Uzbek in ``requests.po``).

Texts marked "also used by acceptance" are shared with :mod:`.acceptance`, which collects media
and free text the same way.
"""

from __future__ import annotations

from typing import Final

from workers.bot.locales import N_

# -- preconditions of /create_request ------------------------------------------------------------
NEED_PHONE: Final = N_(
    "Чтобы подать заявку, нужен номер телефона. Нажмите «{button}» "
    "или введите номер в формате {example}."
)
PHONE_NOT_OWN: Final = N_(
    "Отправьте свой номер: кнопкой «{button}» или текстом, например {example}."
)
PHONE_SAVED: Final = N_("Номер сохранён.")
NEED_ADDRESS: Final = N_(
    "Чтобы подать заявку, нужна квартира, подтверждённая менеджером. "
    "Нажмите «{button}», чтобы выбрать её."
)
NEED_ADDRESS_PENDING: Final = N_(
    "Ваша квартира ещё на проверке у менеджера. Заявку можно будет подать после одобрения."
)
BTN_SHARE_PHONE: Final = N_("📱 Отправить номер")
BTN_PICK_APARTMENT: Final = N_("🏠 Выбрать квартиру")

# -- the creation flow ---------------------------------------------------------------------------
FLOW_STARTED: Final = N_("<b>Новая заявка.</b> Чтобы выйти без сохранения, нажмите «{cancel}».")
STEP_CATEGORY: Final = N_("Шаг 1 из 5. Выберите категорию:")
STEP_ADDRESS: Final = N_("Шаг 2 из 5. Выберите адрес:")
STEP_DESCRIPTION: Final = N_(
    "Шаг 3 из 5. Опишите проблему одним сообщением: от {min} до {max} символов."
)
STEP_URGENCY: Final = N_("Шаг 4 из 5. Насколько это срочно?")
STEP_MEDIA: Final = N_(
    "Шаг 5 из 5. Пришлите до {max} фото или видео (можно альбомом) и нажмите «{done}» "
    "или нажмите «{skip}»."
)
DESCRIPTION_EXPECTED: Final = N_(
    "Опишите проблему текстом: от {min} до {max} символов. "
    "Фото и видео можно будет добавить на следующем шаге."
)
USE_BUTTONS: Final = N_("Выберите вариант кнопками под сообщением.")

SUMMARY: Final = N_(
    "<b>Проверьте заявку</b>\n\n"
    "<b>Категория:</b> {category}\n"
    "<b>Адрес:</b> {address}\n"
    "<b>Срочность:</b> {urgency}\n"
    "<b>Фото и видео:</b> {media}\n\n"
    "<b>Описание:</b>\n{description}"
)
BTN_CONFIRM: Final = N_("✅ Подтвердить")
BTN_EDIT: Final = N_("✏️ Изменить")
BTN_DISCARD: Final = N_("✖️ Отменить")
EDIT_PICK: Final = N_("Что изменить?")
BTN_FIELD_CATEGORY: Final = N_("Категория")
BTN_FIELD_ADDRESS: Final = N_("Адрес")
BTN_FIELD_DESCRIPTION: Final = N_("Описание")
BTN_FIELD_URGENCY: Final = N_("Срочность")
BTN_FIELD_MEDIA: Final = N_("Фото и видео")
SUBMITTED: Final = N_("Заявка отправлена.")
CREATED: Final = N_(
    "✅ Заявка № {number} создана. Мы сообщим, когда её возьмут в работу.\n"
    "Статус: /request_status {number}"
)
DISCARDED: Final = N_("Заявка не создана.")
FLOW_LOST: Final = N_("Черновик не найден. Начните заново.")

ADDRESS_APARTMENT: Final = N_("{yard}, {building}, кв. {apartment}")
ADDRESS_BUILDING: Final = N_("{yard}, {building} (весь дом)")
ADDRESS_YARD: Final = N_("{yard} (весь двор)")

# -- free text and media (also used by acceptance) -------------------------------------------------
TOO_SHORT: Final = N_("Слишком коротко: {length} симв. Нужно не меньше {min}.")
TOO_LONG: Final = N_("Слишком длинно: {length} симв. Можно не больше {max}.")
BTN_DONE: Final = N_("Готово")
BTN_SKIP: Final = N_("Пропустить")
BTN_BACK: Final = N_("◀️ Назад")
MEDIA_ADDED: Final = N_("Принято файлов: {count} из {max}. Пришлите ещё или нажмите «{done}».")
MEDIA_LIMIT: Final = N_("Можно приложить не больше {max} файлов. Этот файл не сохранён.")
MEDIA_EXPECTED: Final = N_("Пришлите фото или видео или нажмите «{done}» или «{skip}».")
NO_MEDIA: Final = N_("нет")

# -- lists ---------------------------------------------------------------------------------------
LIST_TITLE: Final = N_("<b>Мои заявки</b> — {total}")
LIST_TITLE_EXECUTOR: Final = N_("<b>Мои заявки (исполнитель)</b> — {total}")
LIST_FILTER: Final = N_("Фильтр: {filter}")
LIST_EMPTY: Final = N_("Заявок не найдено.")
LIST_OPEN_HINT: Final = N_("Нажмите на номер, чтобы открыть заявку.")
FILTER_ALL: Final = N_("Все")
FILTER_ACTIVE: Final = N_("Активные")
FILTER_ARCHIVE: Final = N_("Архив")
BTN_CATEGORY: Final = N_("Категория")
BTN_RESET: Final = N_("Сбросить")
CATEGORY_PICK: Final = N_("Выберите категорию:")

# -- the card ------------------------------------------------------------------------------------
CARD_TITLE: Final = N_("<b>Заявка № {number}</b>")
CARD_STATUS: Final = N_("<b>Статус:</b> {status}")
CARD_CATEGORY: Final = N_("<b>Категория:</b> {category}")
CARD_URGENCY: Final = N_("<b>Срочность:</b> {urgency}")
CARD_ADDRESS: Final = N_("<b>Адрес:</b> {address}")
CARD_EXECUTOR: Final = N_("<b>Исполнитель:</b> {executor}")
CARD_NO_EXECUTOR: Final = N_("не назначен")
CARD_CREATED: Final = N_("<b>Создана:</b> {date}")
CARD_COMPLETED: Final = N_("<b>Выполнена:</b> {date}")
CARD_CLOSED: Final = N_("<b>Закрыта:</b> {date}")
CARD_RATING: Final = N_("<b>Оценка:</b> {stars}")
CARD_MEDIA: Final = N_("<b>Фото и видео:</b> {count}")
CARD_DESCRIPTION: Final = N_("<b>Описание:</b>\n{description}")
CARD_REPORT: Final = N_("<b>Отчёт исполнителя:</b>\n{report}")
CARD_RETURN_REASON: Final = N_("<b>Причина возврата:</b>\n{reason}")
CARD_QUESTION: Final = N_("<b>Вопрос менеджера:</b>\n{question}")
BTN_CANCEL_REQUEST: Final = N_("✖️ Отменить заявку")
BTN_REPLY: Final = N_("💬 Ответить")
BTN_ACCEPT: Final = N_("✅ Принять")
BTN_RETURN: Final = N_("↩️ Вернуть")
BTN_TO_LIST: Final = N_("◀️ К списку")
CANCEL_ASK: Final = N_("Отменить заявку № {number}? Это действие нельзя отменить.")
BTN_YES_CANCEL: Final = N_("Да, отменить")
BTN_NO: Final = N_("Нет")
REQUEST_CANCELLED: Final = N_("Заявка № {number} отменена.")
ASK_REPLY: Final = N_("Напишите ответ по заявке № {number} одним сообщением (до {max} символов).")
REPLY_EXPECTED: Final = N_("Напишите ответ текстом (до {max} символов).")
REPLY_SENT: Final = N_("Ответ по заявке № {number} отправлен.")

# -- /request_status -----------------------------------------------------------------------------
ASK_NUMBER: Final = N_("Введите номер заявки, например {example}.")
BAD_NUMBER: Final = N_("Номер заявки выглядит так: {example}. Попробуйте ещё раз.")
NOT_FOUND: Final = N_("Заявка № {number} не найдена.")
