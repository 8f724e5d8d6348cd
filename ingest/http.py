"""Plain ASGI plumbing for the receiver: types, a bounded body reader and canned responses.

The receiver is a raw ASGI app rather than a framework one: it has five routes, and on the hot path
every layer between the socket and the Redis call shows up in the latency tail.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import msgspec

__all__ = [
    "BodyTooLarge",
    "Disconnected",
    "Receive",
    "Scope",
    "Send",
    "read_body",
    "respond",
    "respond_json",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_json = msgspec.json.Encoder()


class BodyTooLarge(Exception):
    """The body grew past the limit while streaming in."""


class Disconnected(Exception):
    """The client went away before the body was complete."""


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole request body, or :class:`BodyTooLarge` as soon as more than ``limit`` arrived.

    Chunked bodies carry no Content-Length, so counting while reading is the only real bound;
    the rest of an oversized body is never read.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise Disconnected
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        if not message.get("more_body", False):
            if not chunks:
                return chunk  # the usual case: the whole body in one message, no copy
            chunks.append(chunk)
            return b"".join(chunks)
        chunks.append(chunk)


def _start(status: int, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {"type": "http.response.start", "status": status, "headers": headers}


_EMPTY_BODY: dict[str, Any] = {"type": "http.response.body", "body": b""}
_EMPTY_HEADERS = [(b"content-length", b"0")]


async def respond(
    send: Send,
    status: int,
    body: bytes = b"",
    content_type: bytes = b"text/plain; charset=utf-8",
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    if not body and not extra_headers:
        await send(_start(status, _EMPTY_HEADERS))
        await send(_EMPTY_BODY)
        return
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", content_type)]
    if extra_headers:
        headers.extend(extra_headers)
    await send(_start(status, headers))
    await send({"type": "http.response.body", "body": body})


async def respond_json(send: Send, status: int, payload: Any) -> None:
    await respond(send, status, _json.encode(payload), b"application/json")
