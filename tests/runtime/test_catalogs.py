"""Every text the code marks for translation exists in both catalogs, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import aiogram
import pytest
from babel.messages.extract import extract_from_dir

from workers.bot.core import texts
from workers.bot.locales import LOCALES, create_i18n, read_catalog

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "N_": None,
    "__": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
}


def used_msgids() -> set[str]:
    found: set[str] = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT / "workers"), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            found.update(m for m in message if m)
        elif message:
            found.add(message)
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_aiogram_3_is_what_is_imported() -> None:
    # aiogram[redis] would make pip fall back to aiogram 2 (redis-py pin clash with arq).
    assert aiogram.__version__.startswith("3.")


def test_the_runtime_texts_are_extracted() -> None:
    assert {texts.APOLOGY, texts.SLOW_DOWN, texts.ROLE_REFUSED} <= used_msgids()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_used_text_is_in_the_catalog(locale: str) -> None:
    # Russian may leave msgstr empty (the msgid is the Russian text); Uzbek must translate.
    catalog = read_catalog(locale)
    missing = []
    for msgid in sorted(used_msgids()):
        entry = catalog.get(msgid)
        if entry is None or entry.fuzzy or (locale != "ru" and not _translated(entry.string)):
            missing.append(msgid)
    assert not missing, (
        f"{locale}: missing, fuzzy or untranslated: {missing} "
        "(python -m workers.bot.locales.sync adds them)"
    )


def _translated(string: str | tuple[str, ...] | list[str] | None) -> bool:
    if isinstance(string, str):
        return bool(string)
    return bool(string) and all(string or ())


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_match_the_msgid(locale: str) -> None:
    for entry in read_catalog(locale):
        if not entry.id:
            continue
        ids = [entry.id] if isinstance(entry.id, str) else list(entry.id)
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string or ())
        expected = placeholders(ids[0])
        for translated in strings:
            assert placeholders(str(translated)) == expected, (locale, entry.id, translated)


def test_both_catalogs_hold_the_same_keys() -> None:
    keys = [{str(m.id) for m in read_catalog(locale) if m.id} for locale in LOCALES]
    assert keys[0] == keys[1]


def test_catalogs_compile_and_translate() -> None:
    i18n = create_i18n()
    assert set(i18n.available_locales) == set(LOCALES)
    uz = i18n.gettext(texts.SLOW_DOWN, locale="uz").format(seconds=7)
    ru = i18n.gettext(texts.SLOW_DOWN, locale="ru").format(seconds=7)
    assert "7" in uz and "7" in ru and uz != ru
    # Russian plural rules come from the catalog header (three forms).
    assert re.search(r"nplurals=3", str(read_catalog("ru").plural_forms))


def test_a_missing_translation_is_detected(tmp_path: Path) -> None:
    # The check above must be able to fail: drop one entry from a copy of the Uzbek catalog.
    source = (ROOT / "workers/bot/locales/uz/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    broken = source.replace(f'msgid "{texts.ROLE_REFUSED}"', 'msgid "something else"')
    target = tmp_path / "uz" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_text(broken, encoding="utf-8")
    assert read_catalog("uz", tmp_path).get(texts.ROLE_REFUSED) is None


def test_sync_adds_a_new_text_to_both_catalogs(tmp_path: Path) -> None:
    import shutil

    from workers.bot.locales.sync import sync, untranslated

    shutil.copytree(ROOT / "workers/bot/locales", tmp_path, dirs_exist_ok=True)
    text = "Новый текст для {name}"
    used: dict[str | tuple[str, str], list[tuple[str, int]]] = {
        text: [("workers/x.py", 1)],
        texts.APOLOGY: [("workers/bot/core/texts.py", 1)],
    }
    assert sync("ru", used, base=tmp_path) == [f"ru/messages.po: + {text}"]
    assert sync("uz", used, base=tmp_path) == [f"uz/messages.po: + {text}"]
    assert read_catalog("ru", tmp_path).get(text).string == text  # type: ignore[union-attr]
    assert untranslated(tmp_path) == [text]  # until someone writes the Uzbek
    assert sync("uz", used, base=tmp_path) == []  # idempotent


def test_the_shipped_catalogue_is_what_the_migration_seeds() -> None:
    """The defaults a worker serves while the database is away equal the seeded rows."""
    import importlib.util
    from pathlib import Path

    from workers.bot.core.catalog import DEFAULT_COMMANDS

    path = Path(__file__).parents[2] / "migrations" / "versions" / "0002_seed_bot_commands.py"
    spec = importlib.util.spec_from_file_location("seed_0002", path)
    assert spec is not None and spec.loader is not None
    seed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(seed)
    seeded = [
        (command, access, tuple(roles), ru, uz, 10 * (i + 1))
        for i, (command, _, access, roles, ru, uz) in enumerate(seed.COMMANDS)
    ]
    shipped = [
        (c.command, c.access, c.required_roles, c.description_ru, c.description_uz, c.sort_order)
        for c in DEFAULT_COMMANDS
    ]
    assert shipped == seeded
    assert all(c.is_enabled for c in DEFAULT_COMMANDS)
