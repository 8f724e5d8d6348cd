"""aiogram's aiohttp session, sending JSON bodies and decoding replies in one pydantic pass.

aiogram's ``AiohttpSession`` sends every method as ``multipart/form-data`` (each nested value
JSON-encoded on its own) and decodes the reply twice (``json.loads``, then a model from the
dict). The Bot API accepts ``application/json`` for any method without an upload, so this session
sends one JSON document for those and parses the reply with ``model_validate_json``; methods
with files still go through aiogram's multipart path. Error replies (and anything that fails to
decode) are handed to aiogram's own ``check_response``, so the exceptions raised are exactly
aiogram's (``TelegramRetryAfter``, ``TelegramForbiddenError``, ``ClientDecodeError``, …).

Measured with ``python -m bench.worker``: ``sendMessage`` costs about a third less CPU than
through ``AiohttpSession``; the middlewares registered on the session run as before.

The body is built without dumping the whole method: a method has some twenty fields, most of them
``None``, and a typical call sets a few plain ones (``chat_id``, ``text``) plus aiogram's
``Default`` placeholders. Plain values are taken as they are, placeholders resolved as aiogram
does, and only the other fields (keyboards, entities, link preview options, dates, enums) go
through pydantic's dump, restricted to them, and aiogram's ``prepare_value``; the object is the
same, key for key and in the same order, as the full dump gave. It is encoded with msgspec (UTF-8
instead of ASCII escapes, a fraction of ``json.dumps``' time); a value msgspec does not know
falls back to ``json_dumps``. The URL of each method and the request timeout are built once.
``python -m bench.botapi_call`` measures the whole call.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

import msgspec
from aiogram.client.default import Default
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import ClientError, ClientTimeout
from pydantic import ValidationError
from yarl import URL

if TYPE_CHECKING:
    from aiogram import Bot

__all__ = ["JsonSession"]

_JSON = {"Content-Type": "application/json"}
_encode = msgspec.json.Encoder().encode
_OK_FIRST, _OK_LAST = 200, 226  # 2xx, as aiogram's check_response counts them


class JsonSession(AiohttpSession):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # Every answer is parsed as ``Response[<result type>]``. pydantic keeps parametrised
        # generics in a weak-valued cache, so without a strong reference here the class is
        # collected and rebuilt (about 10 ms of schema building) every few hundred calls, on
        # aiogram's paths (uploads, error replies) as well as ours.
        self._response_types: dict[Any, type[Response[Any]]] = {}
        self._urls: dict[tuple[Any, str, str], URL] = {}
        self._timeouts: dict[float, ClientTimeout] = {}

    def response_type(self, method: TelegramMethod[Any]) -> type[Response[Any]]:
        returning = method.__returning__
        response_type = self._response_types.get(returning)
        if response_type is None:
            response_type = self._response_types[returning] = Response[returning]  # type: ignore[valid-type]
        return response_type

    def build_json(self, bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any] | None:
        """The method's parameters as one JSON object, or ``None`` when it uploads a file.

        The same object as ``prepare_value`` over ``method.model_dump(exclude_none=True)``, with
        empty and false values left out (the multipart path's rule), built without dumping the
        fields that hold plain values.
        """
        if method.__pydantic_extra__:
            return self._build_json_dumped(bot, method)
        files: dict[str, Any] = {}
        payload: dict[str, Any] = {}
        dumped: set[str] | None = None
        for key, value in method.__dict__.items():
            if value is None:
                continue
            kind = type(value)
            if kind is str or kind is int or kind is bool or kind is float:
                prepared = value
            elif kind is Default:
                prepared = self._prepare(bot.default[value.name], bot, files)
            else:
                # Serialised by pydantic (a keyboard, a date, an enum): filled in below, in place.
                prepared = payload[key] = None
                if dumped is None:
                    dumped = set()
                dumped.add(key)
                continue
            if prepared:
                payload[key] = prepared
        if dumped is not None:
            values = method.model_dump(warnings=False, exclude_none=True, include=dumped)
            for key in dumped:
                prepared = self._prepare(values[key], bot, files) if key in values else None
                if prepared:
                    payload[key] = prepared
                else:
                    del payload[key]
        return None if files else payload

    def _build_json_dumped(self, bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any] | None:
        """:meth:`build_json` from the full dump (a method with extra fields)."""
        files: dict[str, Any] = {}
        payload: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False, exclude_none=True).items():
            prepared = self._prepare(value, bot, files)
            if prepared:
                payload[key] = prepared
        return None if files else payload

    def _prepare(self, value: Any, bot: Bot, files: dict[str, Any]) -> Any:
        """``prepare_value(value, _dumps_json=False)``, walking plain dicts and lists itself."""
        kind = type(value)
        if kind is str or kind is int or kind is bool or kind is float:
            return value
        if kind is dict:
            return {
                key: prepared
                for key, item in value.items()
                if (prepared := self._prepare(item, bot, files)) is not None
            }
        if kind is list:
            return [
                prepared
                for item in value
                if (prepared := self._prepare(item, bot, files)) is not None
            ]
        return self.prepare_value(value, bot=bot, files=files, _dumps_json=False)

    def encode(self, payload: dict[str, Any]) -> bytes | str:
        """The body: msgspec's UTF-8 JSON, or ``json_dumps`` for what msgspec cannot encode (a
        subclass of ``str`` or ``int`` that is not an enum) or when a custom one was given."""
        if self.json_dumps is json.dumps:
            try:
                return _encode(payload)
            except TypeError:
                pass
        return self.json_dumps(payload)

    def url(self, bot: Bot, method: TelegramMethod[Any]) -> URL:
        key = (self.api, bot.token, method.__api_method__)
        url = self._urls.get(key)
        if url is None:
            url = self._urls[key] = URL(self.api.api_url(token=bot.token, method=key[2]))
        return url

    def client_timeout(self, timeout: float | None) -> ClientTimeout:
        total = self.timeout if timeout is None else timeout
        found = self._timeouts.get(total)
        if found is None:
            found = self._timeouts[total] = ClientTimeout(total=total)
        return found

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        response_type = self.response_type(method)
        payload = self.build_json(bot, method)
        if payload is None:
            return await super().make_request(bot, method, timeout)
        session = await self.create_session()
        try:
            async with session.post(
                self.url(bot, method),
                data=self.encode(payload),
                headers=_JSON,
                timeout=self.client_timeout(timeout),
            ) as resp:
                status, content = resp.status, await resp.read()
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except ClientError as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        return cast(TelegramType, self._decode(bot, method, response_type, status, content).result)

    def _decode(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        response_type: type[Response[Any]],
        status: int,
        content: bytes,
    ) -> Response[TelegramType]:
        if _OK_FIRST <= status <= _OK_LAST:
            try:
                response = response_type.model_validate_json(content, context={"bot": bot})
            except ValidationError:
                pass  # aiogram's decoder below raises its own ClientDecodeError
            else:
                if response.ok:
                    return cast(Response[TelegramType], response)
        text = content.decode("utf-8", errors="replace")
        return self.check_response(bot=bot, method=method, status_code=status, content=text)
