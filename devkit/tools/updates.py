"""Update files: one JSON object per line, either a bare Telegram update or a recorded one.

A recorded line is ``{"ts": <unix seconds>, "update": {…}}`` (what ``bot-gateway record``
writes: ``ts`` is when ingest stored it); a bare line is the update itself (``{"update_id": …}``),
which is handy for hand-written fixtures. Blank lines and lines starting with ``#`` are skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "PROFILE_KEY",
    "UpdateFileError",
    "UpdateItem",
    "dump_line",
    "load_profiles",
    "load_updates",
    "parse_lines",
    "profile_line",
    "to_items",
]


class UpdateFileError(ValueError):
    """A line of an update file is not a usable update; the message names the line."""


@dataclass(frozen=True, slots=True)
class UpdateItem:
    """One update to feed: its JSON object and, when recorded, the time it arrived."""

    update: dict[str, Any]
    ts: float | None = None

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])

    @property
    def raw(self) -> bytes:
        return json.dumps(self.update, ensure_ascii=False, separators=(",", ":")).encode()


# A scrubbed recording's line that tells the replay which role a stand-in user plays.
PROFILE_KEY = "profile"


def _item(value: Any, where: str) -> UpdateItem:
    if not isinstance(value, dict):
        raise UpdateFileError(f"{where}: not a JSON object")
    ts = value.get("ts")
    update = value.get("update") if "update" in value and "update_id" not in value else value
    if not isinstance(update, dict) or type(update.get("update_id")) is not int:
        raise UpdateFileError(f"{where}: no integer update_id")
    if ts is not None and (isinstance(ts, bool) or not isinstance(ts, int | float)):
        raise UpdateFileError(f"{where}: ts must be a number of seconds")
    return UpdateItem(update, float(ts) if ts is not None else None)


def _values(lines: Iterable[str], source: str) -> Iterator[tuple[Any, str]]:
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            yield json.loads(text), f"{source}:{number}"
        except ValueError:
            raise UpdateFileError(f"{source}:{number}: not valid JSON") from None


def _is_profile(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get(PROFILE_KEY), dict)


def parse_lines(lines: Iterable[str], source: str = "<input>") -> Iterator[UpdateItem]:
    """The updates of a JSONL file (``profile`` lines of a scrubbed recording are skipped)."""
    for value, where in _values(lines, source):
        if not _is_profile(value):
            yield _item(value, where)


def load_updates(path: Path) -> list[UpdateItem]:
    with path.open(encoding="utf-8") as handle:
        return list(parse_lines(handle, str(path)))


def load_profiles(path: Path) -> list[dict[str, Any]]:
    """The role profiles a scrubbed recording carries for its stand-in users."""
    with path.open(encoding="utf-8") as handle:
        return [v[PROFILE_KEY] for v, _ in _values(handle, str(path)) if _is_profile(v)]


def profile_line(profile: dict[str, Any]) -> str:
    return json.dumps({PROFILE_KEY: profile}, ensure_ascii=False, separators=(",", ":"))


def to_items(updates: Any) -> list[UpdateItem]:
    """Anything a caller may pass: a path, JSONL text, bytes, or a list of dicts/bytes/items."""
    if isinstance(updates, Path):
        return load_updates(updates)
    if isinstance(updates, bytes):
        updates = updates.decode()
    if isinstance(updates, str):
        return list(parse_lines(updates.splitlines()))
    items: list[UpdateItem] = []
    for index, value in enumerate(updates):
        if isinstance(value, UpdateItem):
            items.append(value)
        elif isinstance(value, bytes | str):
            items.extend(parse_lines([value if isinstance(value, str) else value.decode()]))
        else:
            items.append(_item(value, f"item {index}"))
    return items


def dump_line(update: dict[str, Any], ts: float | None) -> str:
    """One recorded line (``ts`` rounded to milliseconds, like the stream ids it comes from)."""
    body: dict[str, Any] = {"ts": round(ts, 3)} if ts is not None else {}
    body["update"] = update
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))
