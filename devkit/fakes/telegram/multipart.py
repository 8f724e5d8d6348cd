"""A small ``multipart/form-data`` reader (aiogram sends every method this way).

Plain fields become strings; parts that carry a filename become :class:`Upload` objects. The
standard library's header parsing handles quoting and RFC 2231 file names.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message

__all__ = ["MultipartError", "Upload", "header_params", "parse_multipart"]


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data."""


@dataclass(frozen=True, slots=True)
class Upload:
    """A file sent in the request body."""

    field: str
    filename: str
    content_type: str
    data: bytes


def header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split a header such as ``multipart/form-data; boundary=x`` into value and parameters."""
    main, *rest = value.split(";")
    params: dict[str, str] = {}
    for item in rest:
        key, sep, raw = item.strip().partition("=")
        if sep:
            params[key.strip().lower()] = raw.strip().strip('"')
    return main.strip().lower(), params


def _part_headers(blob: bytes) -> Message:
    msg = Message()
    for line in blob.decode("utf-8", "replace").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            msg[name.strip()] = value.strip()
    return msg


def parse_multipart(body: bytes, boundary: str) -> tuple[dict[str, str], dict[str, Upload]]:
    """Return ``(fields, uploads)``; a later field of the same name wins, as in Telegram."""
    if not boundary:
        raise MultipartError("missing boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise MultipartError("unterminated multipart body")
    fields: dict[str, str] = {}
    uploads: dict[str, Upload] = {}
    for chunk in chunks[1:-1]:
        part = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        part = part.removesuffix(b"\r\n")
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            raise MultipartError("part without headers")
        headers = _part_headers(head)
        name = headers.get_param("name", header="content-disposition")
        if not isinstance(name, str) or not name:
            raise MultipartError("part without a name")
        filename = headers.get_filename()
        if filename is not None:
            uploads[name] = Upload(
                field=name,
                filename=filename,
                content_type=headers.get_content_type(),
                data=content,
            )
        else:
            charset = headers.get_content_charset() or "utf-8"
            fields[name] = content.decode(charset, "replace")
    return fields, uploads
