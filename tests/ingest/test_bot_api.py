"""The receiver's Bot API client: exact update bytes, error mapping, no token in errors."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.fakes.serve import free_port, serve
from ingest.bot_api import (
    BadResponse,
    BotApi,
    BotApiError,
    Conflict,
    InvalidToken,
    NetworkError,
    RateLimited,
    ServerError,
)

TOKEN = "123456789:" + "T" * 35


def answering(status: int, body: bytes) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": body})

    return app


async def test_updates_keep_their_exact_bytes() -> None:
    first = b'{ "update_id" : 1, "message": {"text": "\\u0421\\u0430\\u043b\\u043e\\u043c"} }'
    second = '{"update_id":2,"message":{"text":"Салом 👋"}}'.encode()
    body = b'{"ok":true,"result":[ ' + first + b" ,\n" + second + b"]}"
    async with serve(answering(200, body)) as url:
        api = BotApi(url, TOKEN)
        try:
            assert await api.get_updates(None, poll_timeout=0) == [first, second]
        finally:
            await api.aclose()


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}', InvalidToken),
        (404, b'{"ok":false,"error_code":404,"description":"Not Found"}', InvalidToken),
        (409, b'{"ok":false,"error_code":409,"description":"Conflict: terminated"}', Conflict),
        (502, b"<html>Bad Gateway</html>", ServerError),
        (500, b'{"ok":false,"error_code":500,"description":"Internal"}', ServerError),
        (400, b'{"ok":false,"error_code":400,"description":"Bad Request"}', BadResponse),
        (200, b"not json", BadResponse),
        (200, b'{"ok":true,"result":{"not":"a list"}}', BadResponse),
    ],
)
async def test_errors_are_typed_and_never_carry_the_token(
    status: int, body: bytes, error: type[BotApiError]
) -> None:
    async with serve(answering(status, body)) as url:
        api = BotApi(url, TOKEN)
        try:
            with pytest.raises(error) as caught:
                await api.get_updates(5, poll_timeout=0)
        finally:
            await api.aclose()
    assert TOKEN not in str(caught.value)
    assert caught.value.method == "getUpdates"


async def test_rate_limit_carries_retry_after() -> None:
    body = b'{"ok":false,"error_code":429,"description":"Too Many Requests",'
    body += b'"parameters":{"retry_after":7}}'
    async with serve(answering(429, body)) as url:
        api = BotApi(url, TOKEN)
        try:
            with pytest.raises(RateLimited) as caught:
                await api.delete_webhook()
        finally:
            await api.aclose()
    assert caught.value.retry_after == 7


async def test_unreachable_server_is_a_network_error_without_the_url() -> None:
    api = BotApi(f"http://127.0.0.1:{free_port()}", TOKEN, connect_timeout=1)
    try:
        with pytest.raises(NetworkError) as caught:
            await api.get_me()
    finally:
        await api.aclose()
    assert TOKEN not in str(caught.value)
    assert "127.0.0.1" not in str(caught.value)


async def test_an_update_too_deep_to_parse_is_split_out_not_a_failed_batch() -> None:
    first = b'{"update_id":1,"message":{"text":"a]\\"}{,"}}'
    deep = b'{"update_id":2,"message":' + b"[" * 1_000 + b"]" * 1_000 + b"}"
    last = '{"update_id":3,"message":{"text":"Салом, [ {"}}'.encode()
    body = b'{"ok":true,"result":[' + first + b", " + deep + b",\n" + last + b"]}"
    async with serve(answering(200, body)) as url:
        api = BotApi(url, TOKEN)
        try:
            assert await api.get_updates(None, poll_timeout=0) == [first, deep, last]
            # Another method given such an answer gets a typed error, not a RecursionError.
            with pytest.raises(BadResponse):
                await api.get_me()
        finally:
            await api.aclose()


def test_the_hand_split_refuses_an_unclosed_array() -> None:
    from ingest.bot_api import split_result_array

    assert split_result_array(b"[]", 0) == []
    assert split_result_array(b'[ {"a": "\\\\"} , 2 ]', 0) == [b'{"a": "\\\\"}', b"2"]
    with pytest.raises(ValueError):
        split_result_array(b'[{"a": 1}', 0)
