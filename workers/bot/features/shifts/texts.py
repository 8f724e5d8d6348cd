"""Texts of shifts: my shifts, the schedule, taking a shift, starting and ending one."""

from __future__ import annotations

from typing import Final

from workers.bot.locales import N_

# /my_shifts
MY_SHIFTS_TITLE: Final = N_("<b>Мои смены</b> с {start} по {end}")
MY_SHIFTS_EMPTY: Final = N_("На ближайшие 7 дней смен нет. Взять смену: /take_shift")
SHIFT_LINE: Final = N_("{marker}{when} · {status} · {focus}")
CURRENT_MARK: Final = N_("▶ сейчас")
BTN_SHIFT: Final = N_("{date} {start}–{end}")

# The shift card.
SHIFT_CARD: Final = N_(
    "<b>Смена № {shift_id}</b>\n"
    "Статус: {status}\n"
    "План: {start} – {end}\n"
    "Специализации: {focus}\n"
    "Место: {location}\n"
    "Заявок выполнено: {completed}"
)
SHIFT_CARD_ACTUAL: Final = N_("Факт: {start} – {end}")
BTN_START: Final = N_("Начать смену")
BTN_END: Final = N_("Завершить смену")
BTN_BACK: Final = N_("« Назад")

# /shift_schedule
SCHEDULE_TITLE: Final = N_("<b>График смен</b> {start} – {end}")
SCHEDULE_EMPTY: Final = N_("На этой неделе смен нет.")
SCHEDULE_DAY: Final = N_("<b>{day}</b>")
SCHEDULE_LINE: Final = N_("{start}–{end} · {status} · {focus}")
SCHEDULE_LINE_WHO: Final = N_("{start}–{end} · {status} · {focus} · {executor}")
SCHEDULE_OPEN: Final = N_("свободна")
SCHEDULE_MORE: Final = N_("…и ещё смен: {count}")
BTN_PREV_WEEK: Final = N_("◀ Неделя")
BTN_NEXT_WEEK: Final = N_("Неделя ▶")

# /take_shift
TAKE_TITLE: Final = N_("<b>Свободные смены</b> на 14 дней по вашим специализациям (всего: {total})")
TAKE_EMPTY: Final = N_("Свободных смен по вашим специализациям сейчас нет.")
NO_SPECIALIZATIONS: Final = N_(
    "У вас не указаны специализации. Обратитесь к менеджеру, чтобы их добавили."
)
TAKE_CONFIRM: Final = N_("Взять эту смену?\n\n{card}")
BTN_TAKE: Final = N_("Взять смену")
TAKEN: Final = N_("Смена № {shift_id} ваша: {start} – {end}.")

# Start and end.
START_PICK: Final = N_("Какую смену начать?")
START_NONE: Final = N_("У вас нет запланированных смен на ближайшие дни. Взять смену: /take_shift")
START_OPENS_AT: Final = N_("Смену можно начать с {opens} (за час до начала).")
STARTED: Final = N_("Смена № {shift_id} началась. До {end}.")
END_PICK: Final = N_("Какую смену завершить?")
END_NONE: Final = N_("У вас нет активной смены.")
END_SUMMARY: Final = N_(
    "<b>Завершить смену № {shift_id}?</b>\n"
    "Начало: {start}\n"
    "Ваших открытых заявок: {open_requests}\n"
    "Заявок в общем пуле: {pool}"
)
BTN_CONFIRM_END: Final = N_("Да, завершить")
BTN_KEEP: Final = N_("Нет, продолжить")
ENDED: Final = N_("Смена № {shift_id} завершена. Спасибо за работу!")
END_KEPT: Final = N_("Смена продолжается.")
SCHEDULE_BAD_DATE: Final = N_("Укажите дату так: /shift_schedule 15.01.2025")
