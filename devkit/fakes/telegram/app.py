"""The fake Bot API as a plain ASGI application.

Routes, as on api.telegram.org (and a local Bot API server):

* ``GET|POST /bot<token>/<method>`` — the Bot API; parameters in the query string and/or a JSON,
  urlencoded or multipart body; answers ``{"ok": true, "result": …}`` or Telegram's error shape.
* ``GET /file/bot<token>/<file_path>`` — file download after ``getFile``.
* ``/__fake__/…`` — inspection, knobs and user simulation (:mod:`.control`).

A long ``getUpdates`` poll ends early when its client disconnects, so a stopped poller never keeps
the server from shutting down; ``lifespan`` shutdown (when the server runs it) closes the state.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from devkit.fakes.telegram.control import handle_control
from devkit.fakes.telegram.decoding import DecodedRequest, decode_request
from devkit.fakes.telegram.dispatch import Dispatcher
from devkit.fakes.telegram.errors import ApiError
from devkit.fakes.telegram.state import FakeTelegramState

__all__ = ["FakeTelegramApp", "create_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY = 64 * 1024 * 1024
_API_RE = re.compile(r"^/bot([^/]*)/([^/]+)/?$")
_FILE_RE = re.compile(r"^/file/bot([^/]*)/(.+)$")
_CONTROL_PREFIX = "/__fake__/"


class _TooLarge(Exception):
    pass


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _respond(send: Send, status: int, body: bytes, content_type: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _respond_json(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    await _respond(send, status, body, "application/json")


class FakeTelegramApp:
    """ASGI callable; ``app.state`` is the :class:`FakeTelegramState` it serves."""

    def __init__(self, state: FakeTelegramState, tokens: set[str] | None = None) -> None:
        self.state = state
        self.dispatcher = Dispatcher(state, tokens)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        try:
            body = await _read_body(receive)
        except _TooLarge:
            await _respond_json(
                send,
                413,
                {"ok": False, "error_code": 413, "description": "Request Entity Too Large"},
            )
            return
        path: str = scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        if path.startswith(_CONTROL_PREFIX):
            route = path.removeprefix(_CONTROL_PREFIX).strip("/")
            status, payload = await handle_control(self.state, scope["method"], route, query, body)
            await _respond_json(send, status, payload)
            return
        if match := _FILE_RE.match(path):
            await self._file(send, match.group(1), match.group(2))
            return
        match = _API_RE.match(path)
        if match is None:
            await _respond_json(
                send, 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
            return
        await self._api(scope, receive, send, match.group(1), match.group(2), query, body)

    async def _api(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        token: str,
        method: str,
        query: str,
        body: bytes,
    ) -> None:
        headers = dict(scope.get("headers", []))
        content_type = headers.get(b"content-type", b"").decode("latin-1")
        request: DecodedRequest | ApiError
        try:
            request = decode_request(query, content_type, body)
        except ApiError as error:
            request = error
        disconnected: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        watcher = asyncio.create_task(self._watch_disconnect(receive, disconnected))
        try:
            status, payload = await self.dispatcher.call(token, method, request, disconnected)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        await _respond_json(send, status, payload)

    @staticmethod
    async def _watch_disconnect(receive: Receive, disconnected: asyncio.Future[None]) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                if not disconnected.done():
                    disconnected.set_result(None)
                return

    async def _file(self, send: Send, token: str, file_path: str) -> None:
        try:
            self.dispatcher.authorize(token)
        except ApiError as error:
            await _respond_json(send, error.error_code, error.payload())
            return
        stored = self.state.files.by_path(file_path)
        if stored is None or stored.data is None:
            await _respond_json(
                send, 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            )
            return
        await _respond(send, 200, stored.data, "application/octet-stream")

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.state.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(
    state: FakeTelegramState | None = None, tokens: set[str] | None = None
) -> FakeTelegramApp:
    """The fake Bot API server; ``tokens=None`` accepts any well-formed token."""
    return FakeTelegramApp(state if state is not None else FakeTelegramState(), tokens)
