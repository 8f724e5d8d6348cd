"""Formatted text as Telegram reads it: ``parse_mode`` HTML, MarkdownV2 or Markdown.

Each parser returns the plain text and its ``MessageEntity`` list (offsets in UTF-16 code units,
as the Bot API reports them) or raises the 400 "can't parse entities" Telegram answers with.
The point is to catch what would break in production — an unescaped ``<`` from user input, an
unbalanced tag, an unescaped ``.`` in MarkdownV2 — not to reproduce every corner of the server's
parser; automatic entities (links, mentions) are not detected.
"""

from __future__ import annotations

import re
from typing import Any

from devkit.fakes.telegram.errors import ApiError, bad_request

__all__ = ["parse_text"]

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_ATTR_RE = re.compile(r"""\s*([a-zA-Z_-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_V2_NAMES = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
}
_V2_TYPES = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _parse_error(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


class _Builder:
    """Accumulates plain text and entities measured in UTF-16 code units."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.position = 0
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        self.parts.append(text)
        self.position += _utf16_len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        length = self.position - start
        if length > 0:
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


def _html_attrs(raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for match in _ATTR_RE.finditer(raw):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        attrs[match.group(1).lower()] = _unescape(value)
    return attrs


def _unescape(text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        dec, hexa, name = match.groups()
        if dec is not None or hexa is not None:
            code = int(dec) if dec is not None else int(hexa, 16)
            return chr(code) if 0 < code < 0x110000 else match.group(0)
        return _NAMED.get(name.lower(), match.group(0))

    return _ENTITY_RE.sub(repl, text)


def _open_html_tag(
    source: str, index: int, name: str, attrs: dict[str, str]
) -> tuple[str, dict[str, Any]]:
    kind = _HTML_TAGS.get(name)
    extra: dict[str, Any] = {}
    if kind is None or (name == "span" and attrs.get("class") != "tg-spoiler"):
        raise _parse_error(
            f'Unsupported start tag "{name}" at byte offset {_byte_offset(source, index)}'
        )
    if kind == "text_link":
        extra["url"] = attrs.get("href", "")
    elif kind == "custom_emoji":
        extra["custom_emoji_id"] = attrs.get("emoji-id", "")
    elif kind == "blockquote" and "expandable" in attrs:
        kind = "expandable_blockquote"
    elif kind == "code" and attrs.get("class", "").startswith("language-"):
        extra["language"] = attrs["class"].removeprefix("language-")
    return kind, extra


def _parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    stack: list[tuple[str, str, int, dict[str, Any]]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "&":
            match = _ENTITY_RE.match(source, i)
            if match:
                out.add(_unescape(match.group(0)))
                i = match.end()
                continue
            out.add(char)
            i += 1
            continue
        if char != "<":
            stop = min(
                (p for p in (source.find("<", i), source.find("&", i)) if p >= 0), default=-1
            )
            chunk = source[i:] if stop < 0 else source[i:stop]
            out.add(chunk)
            i += len(chunk)
            continue
        close = source.find(">", i)
        if source.startswith("</", i):
            if close < 0:
                raise _parse_error(f"Unclosed end tag at byte offset {_byte_offset(source, i)}")
            name = source[i + 2 : close].strip().lower()
            if not stack:
                raise _parse_error(f"Unexpected end tag at byte offset {_byte_offset(source, i)}")
            top_name, kind, start, extra = stack.pop()
            if name and name != top_name:
                raise _parse_error(
                    f"Unmatched end tag at byte offset {_byte_offset(source, i)}, "
                    f'expected "</{top_name}>", found "</{name}>"'
                )
            if kind == "code" and stack and stack[-1][1] == "pre":
                # <pre><code class="language-x"> gives the pre entity its language.
                stack[-1][3].update(extra)
            else:
                out.entity(kind, start, **extra)
            i = close + 1
            continue
        name_match = re.match(r"<([a-zA-Z][a-zA-Z0-9-]*)", source[i:])
        name = name_match.group(1).lower() if name_match else ""
        if not name:
            raise _parse_error(f'Unsupported start tag "" at byte offset {_byte_offset(source, i)}')
        if close < 0:
            raise _parse_error(f"Unclosed start tag at byte offset {_byte_offset(source, i)}")
        attrs = _html_attrs(source[i + 1 + len(name) : close])
        kind, extra = _open_html_tag(source, i, name, attrs)
        stack.append((name, kind, out.position, extra))
        i = close + 1
    if stack:
        raise _parse_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _v2_code(source: str, i: int, out: _Builder) -> int:
    """Parse ``code`` or a fenced pre block starting at ``i``; return the index after it."""
    fence = "```" if source.startswith("```", i) else "`"
    end = i + len(fence)
    language = ""
    if fence == "```":
        newline = source.find("\n", end)
        first_line = source[end:newline] if newline >= 0 else ""
        if newline >= 0 and first_line and " " not in first_line:
            language, end = first_line, newline + 1
    start = out.position
    while end < len(source):
        if source[end] == "\\" and end + 1 < len(source):
            out.add(source[end + 1])
            end += 2
            continue
        if source.startswith(fence, end):
            extra = {"language": language} if language else {}
            out.entity("pre" if fence == "```" else "code", start, **extra)
            return end + len(fence)
        out.add(source[end])
        end += 1
    raise _parse_error(
        f"Can't find end of {'Pre' if fence == '```' else 'Code'} entity at byte offset "
        f"{_byte_offset(source, i)}"
    )


def _v2_link_end(source: str, i: int, out: _Builder, start: int) -> int:
    """Close ``[text](url)`` at the ``]`` at ``i``; return the index after ``)``."""
    close = source.find(")", i + 2)
    if close < 0:
        raise _parse_error(f"Can't find end of a URL at byte offset {_byte_offset(source, i + 1)}")
    out.entity("text_link", start, url=source[i + 2 : close].replace("\\", ""))
    return close + 1


def _v2_blockquote(source: str, i: int, out: _Builder) -> int:
    """A ``>`` quoted line starting at ``i``; return the index of its line end."""
    end = source.find("\n", i)
    line = source[i + 1 :] if end < 0 else source[i + 1 : end]
    start = out.position
    text, entities = _parse_markdown_v2(line)
    for entity in entities:
        out.entities.append({**entity, "offset": entity["offset"] + start})
    out.add(text)
    out.entity("blockquote", start)
    return len(source) if end < 0 else end


def _parse_markdown_v2(source: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    open_marks: dict[str, tuple[int, int]] = {}
    link_starts: list[tuple[int, int]] = []
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source):
            out.add(source[i + 1])
            i += 2
            continue
        if char == "`":
            i = _v2_code(source, i, out)
            continue
        mark = source[i : i + 2] if source[i : i + 2] in ("__", "||") else char
        if mark in _V2_TYPES:
            if mark in open_marks:
                start, _ = open_marks.pop(mark)
                out.entity(_V2_TYPES[mark], start)
            else:
                open_marks[mark] = (out.position, i)
            i += len(mark)
            continue
        if char == "[":
            link_starts.append((out.position, i))
            i += 1
            continue
        if char == "]" and link_starts and source.startswith("(", i + 1):
            i = _v2_link_end(source, i, out, link_starts.pop()[0])
            continue
        if char == ">" and (i == 0 or source[i - 1] == "\n"):
            i = _v2_blockquote(source, i, out)
            continue
        if char in _V2_RESERVED:
            raise _parse_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        out.add(char)
        i += 1
    if open_marks:
        mark, (_, index) = min(open_marks.items(), key=lambda item: item[1][1])
        raise _parse_error(
            f"Can't find end of {_V2_NAMES[mark]} entity at byte offset "
            f"{_byte_offset(source, index)}"
        )
    if link_starts:
        raise _parse_error(
            f"Can't find end of TextUrl entity at byte offset "
            f"{_byte_offset(source, link_starts[0][1])}"
        )
    return out.result()


def _parse_markdown(source: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    kinds = {"*": "bold", "_": "italic"}
    i = 0
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source) and source[i + 1] in "_*`[":
            out.add(source[i + 1])
            i += 2
            continue
        if char in "*_`[":
            fence = "```" if source.startswith("```", i) else char
            closer = "]" if char == "[" else fence
            end = source.find(closer, i + len(fence))
            if end < 0:
                raise _parse_error(
                    "Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(source, i)}"
                )
            start = out.position
            out.add(source[i + len(fence) : end])
            if char == "[":
                url_end = source.find(")", end) if source.startswith("(", end + 1) else -1
                if url_end >= 0:
                    out.entity("text_link", start, url=source[end + 2 : url_end])
                    i = url_end + 1
                    continue
            else:
                out.entity(kinds.get(char, "pre" if fence == "```" else "code"), start)
            i = end + len(closer)
            continue
        out.add(char)
        i += 1
    return out.result()


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Return ``(plain_text, entities)`` for ``text`` sent with ``parse_mode``."""
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return text, []
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown(text)
    raise bad_request(f"unsupported parse_mode {parse_mode!r}")
