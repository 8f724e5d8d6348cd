"""Bring the catalogs in line with the code.

    python -m workers.bot.locales.sync [--file F] [--prune]

Extracts every text marked for translation under ``workers/`` (``_()``, ``gettext()``, ``__()``,
``lazy_gettext()``, ``ngettext()``, ``N_()``) and adds the ones no catalog file of the locale
has yet to ``<locale>/LC_MESSAGES/<F>`` (default ``messages.po``; a feature may keep its texts in
a file of its own): the Russian entry gets the msgid itself (it is the Russian text), the Uzbek
one an empty translation, which ``tests/runtime/test_catalogs.py`` reports until someone fills
it in. ``--prune`` drops entries of that file no code uses any more. Prints what changed and
what still needs an Uzbek translation; exits 1 while any does.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from workers.bot.locales import DOMAIN, LOCALES, LOCALES_DIR, po_path, read_catalog

__all__ = ["KEYWORDS", "extract", "sync"]

KEYWORDS = {
    "_": None,
    "gettext": None,
    "__": None,
    "lazy_gettext": None,
    "N_": None,
    "ngettext": (1, 2),
}
SOURCE = LOCALES_DIR.parent


def extract(source: Path = SOURCE) -> dict[str | tuple[str, str], list[tuple[str, int]]]:
    """msgid (or (singular, plural)) → where it is used."""
    found: dict[str | tuple[str, str], list[tuple[str, int]]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(source), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        key = message if isinstance(message, str) else (message[0], message[1])
        if key:
            found.setdefault(key, []).append((f"workers/{filename}", lineno))
    return found


def _msgid(key: str | Sequence[str]) -> str:
    return key if isinstance(key, str) else key[0]


def sync(
    locale: str,
    used: dict[str | tuple[str, str], list[tuple[str, int]]],
    *,
    filename: str = "messages.po",
    prune: bool = False,
    base: Path = LOCALES_DIR,
) -> list[str]:
    known = read_catalog(locale, base)  # every file of the locale
    path = po_path(locale, base).with_name(filename)
    if path.is_file():
        with path.open("rb") as fp:
            catalog = read_po(fp, locale=locale, domain=DOMAIN)
    else:
        catalog = Catalog(locale=locale, domain=DOMAIN)
    changes: list[str] = []
    for key, locations in used.items():
        if known.get(_msgid(key)) is None:
            string: str | tuple[str, ...]
            if isinstance(key, str):
                string = key if locale == "ru" else ""
            else:
                string = (key[0], key[1], key[1]) if locale == "ru" else ("", "")
            catalog.add(key, string, locations=[(path, 0) for path, _ in locations[:1]])
            changes.append(f"{locale}/{filename}: + {_msgid(key)}")
    if prune:
        wanted = {_msgid(k) for k in used}
        for message in list(catalog):
            if message.id and _msgid(message.id) not in wanted:
                catalog.delete(message.id)
                changes.append(f"{locale}/{filename}: - {_msgid(message.id)}")
    if changes:
        _write(catalog, path, po_path(locale, base))
    return changes


def _write(catalog: Catalog, path: Path, main: Path) -> None:
    """Write ``catalog`` to ``path``, keeping the file's own header (or the main file's)."""
    source = path if path.is_file() else main
    header = source.read_text(encoding="utf-8").split("\n\n", 1)[0]
    with path.open("wb") as fp:
        write_po(fp, catalog, width=100, omit_header=True, include_lineno=False)
    body = path.read_text(encoding="utf-8")
    path.write_text(header + "\n\n" + body.lstrip("\n"), encoding="utf-8")


def untranslated(base: Path = LOCALES_DIR) -> list[str]:
    return [str(m.id) for m in read_catalog("uz", base) if m.id and (not m.string or m.fuzzy)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m workers.bot.locales.sync", description=__doc__)
    parser.add_argument("--file", default="messages.po", help="catalog file for new texts")
    parser.add_argument("--prune", action="store_true", help="drop entries no code uses")
    args = parser.parse_args(argv)
    used = extract()
    for locale in LOCALES:
        for line in sync(locale, used, filename=args.file, prune=args.prune):
            print(line)  # noqa: T201 - a command-line tool
    missing = untranslated()
    for msgid in missing:
        print(f"uz: needs a translation: {msgid}")  # noqa: T201
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
