"""Splitting long HTML texts into Telegram-sized parts without breaking a tag or an entity.

Telegram rejects texts over 4096 characters (captions over 1024). :func:`split_html` cuts at a
line break where it can (else between words, else inside a word), never inside ``<…>`` or
``&…;``. Tags open at a cut are closed at the end of one part and opened again at the start of
the next, so each part is valid HTML on its own. Limits count the raw characters, tags included:
stricter than Telegram (which counts the text after parsing), so a part is never refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

__all__ = ["CAPTION_LIMIT", "TEXT_LIMIT", "split_html"]

TEXT_LIMIT: Final = 4096
CAPTION_LIMIT: Final = 1024

_TOKEN = re.compile(
    r"(?P<tag><[^<>]*>)"
    r"|(?P<entity>&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});)"
    r"|(?P<newline>\n)"
    r"|(?P<space>[^\S\n]+)"
    r"|(?P<word>[^<&\s]+|[<&])"
)
_TAG_NAME = re.compile(r"<\s*(/?)\s*([a-zA-Z][\w-]*)")


@dataclass(frozen=True, slots=True)
class _Piece:
    text: str
    kind: str
    stack: tuple[tuple[str, str], ...]  # (name, opening tag) open after this piece


def _closers(stack: tuple[tuple[str, str], ...]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _openers(stack: tuple[tuple[str, str], ...]) -> str:
    return "".join(tag for _, tag in stack)


def _pieces(text: str, word_limit: int) -> list[_Piece]:
    stack: list[tuple[str, str]] = []
    pieces: list[_Piece] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "word"
        value = match.group()
        if kind == "tag":
            name_match = _TAG_NAME.match(value)
            if name_match is not None and not value.endswith("/>"):
                closing, name = name_match.group(1), name_match.group(2).lower()
                if not closing:
                    stack.append((name, value))
                else:
                    for index in range(len(stack) - 1, -1, -1):
                        if stack[index][0] == name:
                            del stack[index:]
                            break
        if kind == "word" and len(value) > word_limit:
            pieces.extend(
                _Piece(value[start : start + word_limit], kind, tuple(stack))
                for start in range(0, len(value), word_limit)
            )
            continue
        pieces.append(_Piece(value, kind, tuple(stack)))
    return pieces


def _visible(parts: list[_Piece]) -> bool:
    return any(p.kind in ("word", "entity") for p in parts)


def split_html(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """``text`` as parts of at most ``limit`` characters each (one part when it fits)."""
    if limit < 64:
        raise ValueError("limit must leave room for the tags of a part")
    if len(text) <= limit:
        return [text]
    # Room for tags re-opened and closed around a part; a word longer than the rest is cut.
    pieces = _pieces(text, word_limit=max(limit // 4, 16))
    parts: list[str] = []
    current: list[_Piece] = []
    opened: tuple[tuple[str, str], ...] = ()  # stack at the start of ``current``
    size = 0

    def emit(upto: int) -> None:
        nonlocal current, opened, size
        head, tail = current[:upto], current[upto:]
        end_stack = head[-1].stack if head else opened
        if _visible(head):
            parts.append(_openers(opened) + "".join(p.text for p in head) + _closers(end_stack))
        opened = end_stack
        current = tail
        size = len(_openers(opened)) + sum(len(p.text) for p in current)

    for piece in pieces:
        if not current:
            size = len(_openers(opened))
        if current and size + len(piece.text) + len(_closers(piece.stack)) > limit:
            emit(_cut_point(current, opened, limit))
            # Still too long after keeping the tail: cut it all.
            if current and size + len(piece.text) + len(_closers(piece.stack)) > limit:
                emit(len(current))
            if not current:
                size = len(_openers(opened))
        current.append(piece)
        size += len(piece.text)
    emit(len(current))
    return parts


def _cut_point(current: list[_Piece], opened: tuple[tuple[str, str], ...], limit: int) -> int:
    """Where to end the part: after the last line break in its second half, else the last
    space there, else everything (each candidate checked to fit with its closing tags)."""
    half = len(current) // 2
    base = len(_openers(opened))
    lengths = [base]
    for piece in current:
        lengths.append(lengths[-1] + len(piece.text))
    for kind in ("newline", "space"):
        for index in range(len(current) - 1, half - 1, -1):
            piece = current[index]
            if piece.kind == kind and lengths[index + 1] + len(_closers(piece.stack)) <= limit:
                return index + 1
    return len(current)
