"""Texts of a broadcast's progress card (the sender's chat), shared by the flow and the senders."""

from __future__ import annotations

from typing import Final

from workers.bot.locales import N_

CARD_SENDING: Final = N_(
    "<b>Рассылка № {number}</b> · идёт отправка\n"
    "Получателей: {total}\n"
    "Отправлено: {sent}\n"
    "Не доставлено: {failed}\n"
    "Заблокировали бота: {blocked}\n"
    "Осталось: {remaining} · примерно {eta}"
)
CARD_DONE: Final = N_(
    "<b>Рассылка № {number}</b> · завершена\n"
    "Получателей: {total}\n"
    "Отправлено: {sent}\n"
    "Не доставлено: {failed}\n"
    "Заблокировали бота: {blocked}"
)
CARD_CANCELLED: Final = N_(
    "<b>Рассылка № {number}</b> · отменена\n"
    "Получателей: {total}\n"
    "Отправлено: {sent}\n"
    "Не доставлено: {failed}\n"
    "Заблокировали бота: {blocked}\n"
    "Не отправлено: {remaining}"
)
CARD_STOPPING: Final = N_("Останавливаю рассылку…")
ETA_SECONDS: Final = N_("{seconds} с")
ETA_MINUTES: Final = N_("{minutes} мин {seconds} с")
BTN_STOP: Final = N_("Отменить рассылку")
