"""Texts of the notifications the bot sends first (Russian msgids; Uzbek in
``notifications.po``). Values are escaped by the renderer; these texts carry the HTML."""

from __future__ import annotations

from typing import Final

from workers.bot.locales import N_

# -- applicant ----------------------------------------------------------------------------------
STATUS_CHANGED: Final = N_("🔔 <b>Заявка № {number}</b>\nНовый статус: <b>{status}</b>")
EXECUTOR_LINE: Final = N_("Исполнитель: {name}")
COMMENT_LINE: Final = N_("Комментарий: {comment}")
CLARIFICATION: Final = N_(
    "❓ <b>Вопрос по заявке № {number}</b>\n\n{question}\n\n"
    "Нажмите «Ответить», чтобы ответить менеджеру."
)
DONE_APPLICANT: Final = N_(
    "✅ <b>Работа по заявке № {number} выполнена</b>\n\n{report}\n\n"
    "Менеджер проверит работу, и вы сможете её принять."
)
CONFIRMED_APPLICANT: Final = N_(
    "✅ <b>Заявка № {number} ждёт вашей приёмки</b>\n\n{report}\n\n"
    "Примите работу или верните её на доработку."
)
CANCELLED_APPLICANT: Final = N_("🚫 <b>Заявка № {number} отменена</b>\nПричина: {reason}")
NO_REPORT: Final = N_("Отчёт не приложен.")
NO_REASON: Final = N_("не указана")

# -- executor -----------------------------------------------------------------------------------
ASSIGNED: Final = N_(
    "🛠 <b>Вам назначена заявка № {number}</b>\n{category} · {urgency}\n{address}\n\n{description}"
)
REWORK: Final = N_("↩️ <b>Заявка № {number} возвращена в работу</b>\nПричина: {reason}")
EXECUTOR_CANCELLED: Final = N_("🚫 <b>Заявка № {number} отменена</b>\nПричина: {reason}")
POOL_ONE: Final = N_(
    "📥 <b>Новая заявка в пуле: № {number}</b>\n{category} · {urgency}\n{address}\n\n{description}"
)
POOL_MANY: Final = N_("📥 <b>Новых заявок в вашем пуле: {count}</b>\n{lines}")
SHIFT_ASSIGNED: Final = N_("📅 <b>Вам назначена смена</b>\n{start} — {end}\n{location}")
SHIFT_STARTING: Final = N_(
    "⏰ <b>Смена начнётся через 30 минут</b>\n{start} — {end}\n{location}\n\n"
    "Не забудьте начать смену в боте."
)

# -- manager ------------------------------------------------------------------------------------
MANAGER_NEW: Final = N_(
    "🆕 <b>Новая заявка № {number}</b>\n{category} · {urgency}\n{address}\n\n{description}"
)
MANAGER_DIGEST: Final = N_("🆕 <b>Новых заявок: {count}</b>\n{lines}")
MANAGER_DONE: Final = N_("☑️ <b>Заявка № {number} выполнена и ждёт проверки</b>\n\n{report}")
MANAGER_RETURNED: Final = N_("⚠️ <b>Житель вернул заявку № {number}</b>\nПричина: {reason}")
REQUEST_LINE: Final = N_("№ {number} · {category} · {urgency}")
USER_PENDING: Final = N_("👤 <b>Новый пользователь ждёт одобрения</b>\n{name}")
APARTMENT_PENDING: Final = N_("🏠 <b>Заявка на привязку квартиры ждёт одобрения</b>\n{name}")
PHONE_LINE: Final = N_("Телефон: {phone}")
ADDRESS_LINE: Final = N_("Квартира: {address}")
ROLES_LINE: Final = N_("Роль: {roles}")
PENDING_DIGEST: Final = N_("👥 <b>Ждут одобрения: {count}</b>\n{lines}")

# -- comments -----------------------------------------------------------------------------------
COMMENT_ADDED: Final = N_("💬 <b>Комментарий к заявке № {number}</b>\n{author}: {text}")
INTERNAL_MARK: Final = N_("(внутренний)")

# -- user ---------------------------------------------------------------------------------------
USER_APPROVED: Final = N_("🎉 <b>Ваша учётная запись одобрена.</b> Добро пожаловать! Меню ниже.")
USER_BLOCKED: Final = N_("⛔ Доступ заблокирован. Обратитесь в управляющую компанию.")
APARTMENT_APPROVED: Final = N_("🏠 Квартира {address} подтверждена.")
APARTMENT_REJECTED: Final = N_("🏠 Заявка на квартиру {address} отклонена.\nКомментарий: {comment}")

# -- folding and quiet hours --------------------------------------------------------------------
QUIET_DIGEST: Final = N_("🌙 <b>Пока действовали тихие часы:</b>\n{lines}")
MORE_LINES: Final = N_("…и ещё {count}")

# -- buttons ------------------------------------------------------------------------------------
BTN_OPEN: Final = N_("Открыть заявку")
BTN_REPLY: Final = N_("✍️ Ответить")
BTN_ACCEPT: Final = N_("✅ Принять")
BTN_RETURN: Final = N_("↩️ Вернуть")
BTN_POOL: Final = N_("📥 Открыть пул")
BTN_SHIFT: Final = N_("Открыть смену")
BTN_REQUESTS: Final = N_("Заявки")
BTN_USER: Final = N_("Открыть пользователя")
BTN_PENDING: Final = N_("Ожидающие одобрения")
