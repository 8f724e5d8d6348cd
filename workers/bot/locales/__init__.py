"""The bot's RU/UZ texts: gettext catalogs with Russian msgids, compiled from ``.po`` at start-up.

Why gettext (aiogram's built-in ``I18n``) rather than Fluent: it ships with aiogram and needs only
Babel, which is installed; Fluent would add ``aiogram-i18n`` and ``fluent.runtime`` (the latter
unreleased since 2023). Russian msgids make Russian the fallback for free: a string missing from the
Uzbek catalog still reads correctly instead of showing a key. ``tests/runtime/test_catalogs.py``
fails on any text used in code that either catalog lacks, and on placeholder mismatches;
``python -m workers.bot.locales.sync`` adds new texts to the catalogs (Uzbek left to translate).

Only the ``.po`` files are kept in the tree. They are compiled with Babel when the worker
starts (into a temporary directory that ``I18n`` reads into memory), so a stale committed ``.mo``
can never disagree with its source.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Final, Literal

from aiogram.utils.i18n import I18n
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

__all__ = [
    "DEFAULT_LOCALE",
    "DOMAIN",
    "LOCALES",
    "LOCALES_DIR",
    "N_",
    "Locale",
    "create_i18n",
    "po_path",
    "read_catalog",
]

Locale = Literal["ru", "uz"]
LOCALES: Final[tuple[Locale, ...]] = ("ru", "uz")
DEFAULT_LOCALE: Final[Locale] = "ru"
DOMAIN: Final = "messages"
LOCALES_DIR: Final = Path(__file__).resolve().parent


def N_(message: str) -> str:
    """Mark a text for extraction without translating it (translated later, per user)."""
    return message


def po_path(locale: str, base: Path = LOCALES_DIR) -> Path:
    return base / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(locale: str, base: Path = LOCALES_DIR) -> Catalog:
    """The locale's whole catalog: ``messages.po`` plus every feature's ``<feature>.po`` beside it.

    Each feature keeps its texts in a file of its own, so features are edited independently;
    gettext still sees one domain. A msgid defined twice with different translations is an error.
    """
    with po_path(locale, base).open("rb") as fp:
        catalog = read_po(fp, locale=locale, domain=DOMAIN)
    for extra in sorted(po_path(locale, base).parent.glob("*.po")):
        if extra.name == f"{DOMAIN}.po":
            continue
        with extra.open("rb") as fp:
            part = read_po(fp, locale=locale, domain=DOMAIN)
        for message in part:
            if not message.id:
                continue
            known = catalog.get(message.id, message.context)
            if known is not None and known.string and known.string != message.string:
                raise ValueError(f"{extra.name}: {message.id!r} translated differently elsewhere")
            catalog[message.id] = message
    return catalog


def compile_catalogs(source: Path, target: Path) -> None:
    """Write ``<target>/<locale>/LC_MESSAGES/messages.mo`` for every ``.po`` under ``source``."""
    for locale in LOCALES:
        if not po_path(locale, source).is_file():
            continue
        mo = target / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as fp:
            # Fuzzy entries are drafts: left out, as msgfmt does, so the msgid (Russian) shows.
            write_mo(fp, read_catalog(locale, source), use_fuzzy=False)


def create_i18n(default_locale: Locale = DEFAULT_LOCALE, path: Path = LOCALES_DIR) -> I18n:
    """aiogram's ``I18n`` over catalogs compiled from ``path`` just now (kept in memory)."""
    with tempfile.TemporaryDirectory(prefix="bgw-locales-") as compiled:
        compile_catalogs(path, Path(compiled))
        # I18n reads every .mo into memory here; the directory is not needed afterwards.
        i18n = I18n(path=compiled, default_locale=default_locale, domain=DOMAIN)
    missing = set(LOCALES) - set(i18n.available_locales)
    if missing:
        raise RuntimeError(f"locale catalogs missing: {sorted(missing)}")
    return i18n
