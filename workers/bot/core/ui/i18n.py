"""Translation helpers over aiogram's ``I18n`` context (opened per update by the i18n middleware).

Texts are ``N_("Русский текст {placeholder}")`` constants; :func:`tr` translates one into the
update's locale (or ``locale``) and fills its placeholders. :func:`variants` gives a text in every
locale, for matching what a user may send back from an older keyboard.
"""

from __future__ import annotations

from aiogram.utils.i18n import I18n

from workers.bot.locales import LOCALES

__all__ = ["tr", "variants"]


def tr(text: str, locale: str | None = None, /, **values: object) -> str:
    """``text`` translated (into ``locale`` or the update's locale) and formatted with ``values``.

    Values are inserted as given: escape untrusted ones first (:func:`~workers.bot.core.ui.safe`).
    """
    i18n = I18n.get_current(no_error=True)
    translated = i18n.gettext(text, locale=locale) if i18n is not None else text
    return translated.format(**values) if values else translated


def variants(text: str) -> frozenset[str]:
    """``text`` in every locale (the msgid itself included)."""
    i18n = I18n.get_current(no_error=True)
    if i18n is None:
        return frozenset({text})
    return frozenset({text, *(i18n.gettext(text, locale=locale) for locale in LOCALES)})
