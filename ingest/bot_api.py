"""The Bot API calls the receiver makes (getUpdates, setWebhook, deleteWebhook, getMe), over httpx.

aiogram is kept out of the receiver: it would parse every update into pydantic models, which the
receiver must not do (workers decode; the receiver stores the bytes as received). ``getUpdates``
results are split with ``msgspec.Raw``, so each update's bytes are exactly what Telegram sent.

Request URLs contain the bot token, so no error raised here carries a URL or an httpx message:
only the method name, the HTTP status and Telegram's own description.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import httpx
import msgspec

__all__ = [
    "BadResponse",
    "BotApi",
    "BotApiError",
    "Conflict",
    "InvalidToken",
    "NetworkError",
    "RateLimited",
    "ServerError",
]


class BotApiError(Exception):
    """A Bot API call failed; ``str()`` names the method and the status, never the token."""

    def __init__(self, method: str, status: int, description: str = "") -> None:
        text = f"{method}: HTTP {status}" + (f" {description}" if description else "")
        super().__init__(text)
        self.method = method
        self.status = status
        self.description = description


class NetworkError(BotApiError):
    """No answer: connection refused or reset, DNS, or a timeout."""

    def __init__(self, method: str, cause: BaseException) -> None:
        # The class name only: httpx messages may quote the request URL, which holds the token.
        super().__init__(method, 0, type(cause).__name__)


class InvalidToken(BotApiError):
    """401/404: the token is wrong or revoked; retrying cannot help."""


class RateLimited(BotApiError):
    """429: wait ``retry_after`` seconds."""

    def __init__(self, method: str, description: str, retry_after: float) -> None:
        super().__init__(method, 429, description)
        self.retry_after = retry_after


class ServerError(BotApiError):
    """5xx: Telegram is restarting or overloaded."""


class Conflict(BotApiError):
    """409: another getUpdates is running, or a webhook is set."""


class BadResponse(BotApiError):
    """An answer that is not the Bot API's JSON envelope, or a 4xx we do not expect."""


class _Parameters(msgspec.Struct):
    retry_after: float | None = None


class _Envelope(msgspec.Struct):
    ok: bool
    result: msgspec.Raw = msgspec.Raw(b"null")
    description: str = ""
    error_code: int | None = None
    parameters: _Parameters | None = None


_updates_decoder = msgspec.json.Decoder(list[msgspec.Raw])
# The answer's head as Telegram writes it, up to the result array's opening bracket.
_RESULT_ARRAY = re.compile(rb'\A\s*\{\s*"ok"\s*:\s*true\s*,\s*"result"\s*:\s*\[')
_STRUCTURAL = re.compile(rb'[\[\]{}",\\]')
_envelope_decoder = msgspec.json.Decoder(_Envelope)
_encoder = msgspec.json.Encoder()


class BotApi:
    """One bot's Bot API endpoint; close with :meth:`aclose`."""

    def __init__(
        self,
        api_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        connect_timeout: float = 2.0,
    ) -> None:
        self._base = f"{api_url.rstrip('/')}/bot{token}/"
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            # One long poll at a time plus the odd control call.
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=2),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        read_timeout: float | None = None,
    ) -> msgspec.Raw:
        """POST ``method`` with JSON ``params``: the raw ``result``, or a typed error."""
        try:
            response = await self._client.post(
                self._base + method,
                content=_encoder.encode(params or {}),
                headers={"content-type": "application/json"},
                timeout=httpx.Timeout(read_timeout or self._timeout, connect=self._connect_timeout),
            )
        except httpx.TransportError as exc:
            raise NetworkError(method, exc) from None
        return _result(method, response.status_code, response.content)

    async def get_updates(
        self,
        offset: int | None,
        *,
        limit: int = 100,
        poll_timeout: int = 30,
        allowed_updates: Sequence[str] | None = None,
    ) -> list[bytes]:
        """One long poll; each update's bytes exactly as Telegram sent them."""
        params: dict[str, Any] = {"limit": limit, "timeout": poll_timeout}
        if offset is not None:
            params["offset"] = offset
        if allowed_updates is not None:
            params["allowed_updates"] = list(allowed_updates)
        # The server holds the request for up to ``timeout`` seconds before answering empty.
        try:
            raw = await self.call("getUpdates", params, read_timeout=poll_timeout + self._timeout)
        except _TooDeep as deep:
            # One update nested deeper than msgspec decodes: split the batch by hand, so the
            # others are stored and the deep one is refused by the envelope parser (not_json)
            # instead of failing the whole batch forever.
            return deep.items
        try:
            return [bytes(item) for item in _updates_decoder.decode(raw)]
        except msgspec.DecodeError:
            raise BadResponse("getUpdates", 200, "result is not a list") from None
        except RecursionError:
            return split_result_array(bytes(raw), 0)

    async def delete_webhook(self, *, drop_pending_updates: bool = False) -> None:
        await self.call("deleteWebhook", {"drop_pending_updates": drop_pending_updates})

    async def set_webhook(
        self,
        url: str,
        *,
        secret_token: str | None,
        allowed_updates: Sequence[str],
        max_connections: int,
        drop_pending_updates: bool,
    ) -> None:
        params: dict[str, Any] = {
            "url": url,
            "allowed_updates": list(allowed_updates),
            "max_connections": max_connections,
            "drop_pending_updates": drop_pending_updates,
        }
        if secret_token:
            params["secret_token"] = secret_token
        await self.call("setWebhook", params)

    async def get_me(self) -> dict[str, Any]:
        result: dict[str, Any] = msgspec.json.decode(await self.call("getMe"))
        return result


class _TooDeep(BadResponse):
    """A successful answer holding JSON too deep for msgspec, its result array split by hand
    (``getUpdates`` uses the items; to any other method it is a bad response)."""

    def __init__(self, method: str, items: list[bytes]) -> None:
        super().__init__(method, 200, "result nested too deep")
        self.items = items


def split_result_array(body: bytes, start: int) -> list[bytes]:
    """The elements of the JSON array whose ``[`` is at ``start``, as bytes, by an iterative scan
    (no recursion, linear); raises ``ValueError`` if the array does not close."""
    if body[start : start + 1] != b"[":
        raise ValueError("not an array")
    items: list[bytes] = []
    depth = 0
    in_string = False
    skip_to = 0
    item_start = start + 1
    for match in _STRUCTURAL.finditer(body, start):
        at = match.start()
        if at < skip_to:
            continue  # the character after a backslash
        char = body[at]
        if in_string:
            if char == 0x5C:  # backslash
                skip_to = at + 2
            elif char == 0x22:  # quote
                in_string = False
            continue
        if char == 0x22:
            in_string = True
        elif char in (0x5B, 0x7B):  # [ {
            depth += 1
        elif char in (0x5D, 0x7D):  # ] }
            depth -= 1
            if depth == 0:
                item = body[item_start:at].strip()
                if item:
                    items.append(item)
                return items
        elif char == 0x2C and depth == 1:  # a comma between elements
            items.append(body[item_start:at].strip())
            item_start = at + 1
    raise ValueError("array not closed")


def _result(method: str, status: int, body: bytes) -> msgspec.Raw:
    try:
        envelope = _envelope_decoder.decode(body)
    except msgspec.DecodeError:
        envelope = None
    except RecursionError:
        head = _RESULT_ARRAY.match(body) if status == 200 else None
        if head is None:
            raise BadResponse(method, status, "answer nested too deep") from None
        try:
            items = split_result_array(body, head.end() - 1)
        except ValueError:
            raise BadResponse(method, status, "answer nested too deep") from None
        raise _TooDeep(method, items) from None
    if envelope is not None and envelope.ok and status == 200:
        return envelope.result
    description = envelope.description if envelope is not None else ""
    code = (envelope.error_code if envelope is not None else None) or status
    if code == 429 or status == 429:
        params = envelope.parameters if envelope is not None else None
        retry_after = params.retry_after if params and params.retry_after is not None else 1.0
        raise RateLimited(method, description, max(0.0, retry_after))
    if status in (401, 404) or code in (401, 404):
        raise InvalidToken(method, status, description)
    if status == 409 or code == 409:
        raise Conflict(method, status, description)
    if status >= 500:
        raise ServerError(method, status, description)
    raise BadResponse(method, status, description)
