"""Texts of /notifications (Russian msgids; Uzbek in ``notifications.po``)."""

from __future__ import annotations

from typing import Final

from workers.bot.locales import N_

# -- /notifications -----------------------------------------------------------------------------
SETTINGS_TITLE: Final = N_(
    "<b>Уведомления</b>\n\n"
    "Изменения ваших заявок, вопросы и назначения приходят всегда. "
    "Сводки и сообщения о пуле можно отключить."
)
STATE_ON: Final = N_("включены")
STATE_OFF: Final = N_("выключены")
DIGESTS_LINE: Final = N_("Сводки и пул: {state}")
MANAGER_LINE: Final = N_("Уведомления менеджера: {state}")
BTN_TOGGLE_DIGESTS: Final = N_("Сводки и пул: вкл/выкл")
BTN_TOGGLE_MANAGER: Final = N_("Уведомления менеджера: вкл/выкл")
SAVED: Final = N_("Сохранено.")
