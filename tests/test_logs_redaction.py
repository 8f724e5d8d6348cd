"""Property: a bot token, service key, webhook secret or JWT never reaches a log line, whatever
shape carries it — nested at any depth, URL-encoded, inside exceptions and httpx errors, through
structlog or stdlib loggers — and aiogram's unknown-update warning loses the update body."""

from __future__ import annotations

import io
import json
import logging
import warnings
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.logs import REDACTED, configure_logging, get_logger, redact

TOKEN = "5555555555:AAH" + "x" * 30 + "-_"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjMiLCJleHAiOjE3MDAwMDAwMDB9."
    "c2lnbmF0dXJlLXNpZ25hdHVyZQ"
)
API_KEY = "svc/key+0123456789"
WEBHOOK_SECRET = "Wh_" + "k" * 29 + "-9"
SECRETS = (TOKEN, JWT, API_KEY, WEBHOOK_SECRET)
# The tail of the token alone is as secret as the whole.
FRAGMENTS = ("AAH" + "x" * 30, "c2lnbmF0dXJlLXNpZ25hdHVyZQ", "key+0123456789", "k" * 29)

FORMS: list[Callable[[str], str]] = [
    lambda s: s,
    lambda s: quote(s, safe=""),
    lambda s: quote_plus(s),
    lambda s: quote(quote(s, safe=""), safe=""),
    lambda s: f"https://api.telegram.org/bot{s}/sendMessage",
    lambda s: f"https://svc.local/api/v1/x?token={quote(s, safe='')}&page=2",
    lambda s: f"redis://:{quote(s, safe='')}@cache:6379/0",
    lambda s: f"Authorization: Bearer {s}",
    lambda s: f"{{'X-Service-API-Key': '{s}'}}",
]

# Filler around the secret: ordinary text, no "%" (it would merge with an encoded secret).
filler = st.text(st.characters(exclude_characters="%", exclude_categories=["Cs"]), max_size=12)
plain_key = st.sampled_from(["data", "items", "payload", "ctx", "x", "детали", "v"])


@st.composite
def embedded(draw: st.DrawFn) -> tuple[Any, str]:
    """A value carrying one secret in one form, ``depth`` containers down, among siblings."""
    secret = draw(st.sampled_from(SECRETS))
    form = draw(st.sampled_from(FORMS))
    value: Any = draw(filler) + " " + form(secret) + " " + draw(filler)
    for _ in range(draw(st.integers(min_value=0, max_value=40))):
        shape = draw(st.sampled_from(["dict", "list", "tuple"]))
        sibling = draw(st.one_of(st.integers(), filler, st.none()))
        if shape == "dict":
            value = {draw(plain_key): value, "n": sibling}
        elif shape == "list":
            value = [sibling, value]
        else:
            value = (value, sibling)
    return value, secret


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("DEBUG", "json", secrets=[API_KEY, WEBHOOK_SECRET], stream=stream)
    yield stream
    logging.getLogger().handlers.clear()
    structlog.reset_defaults()


def assert_clean(text: str) -> None:
    assert text.strip(), "nothing was logged"
    for secret in SECRETS:
        for form in (secret, quote(secret, safe=""), quote_plus(secret)):
            assert form not in text, form
    for fragment in FRAGMENTS:
        assert fragment not in text, fragment


HYPOTHESIS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@HYPOTHESIS
@given(embedded())
def test_nested_values_at_any_depth(output: io.StringIO, case: tuple[Any, str]) -> None:
    value, _ = case
    output.truncate(0)
    output.seek(0)
    get_logger("prop").info("nested", value=value)
    line = output.getvalue()
    assert_clean(line)
    assert REDACTED in line


@HYPOTHESIS
@given(embedded(), st.sampled_from(["structlog", "stdlib", "exc_info", "chained", "object"]))
def test_exceptions_and_stdlib_lines(output: io.StringIO, case: tuple[Any, str], how: str) -> None:
    value, _ = case
    output.truncate(0)
    output.seek(0)
    message = repr(value)
    if how == "structlog":
        get_logger("prop").warning(message)
    elif how == "stdlib":
        logging.getLogger("aiogram.event").warning("failed: %s", value)
    elif how == "object":
        get_logger("prop").error("failed", error=RuntimeError(message))
    else:
        try:
            try:
                raise ValueError(message)
            except ValueError as inner:
                if how == "chained":
                    raise RuntimeError("outer") from inner
                raise
        except (ValueError, RuntimeError):
            logging.getLogger("arq.worker").exception("job failed")
    assert_clean(output.getvalue())


@pytest.mark.parametrize("secret", SECRETS)
def test_httpx_errors_and_urls(output: io.StringIO, secret: str) -> None:
    url = f"https://api.telegram.org/bot{secret}/getMe?key={quote(secret, safe='')}"
    request = httpx.Request("GET", url)
    response = httpx.Response(502, request=request)
    status_error = httpx.HTTPStatusError(
        f"Server error for url {url}", request=request, response=response
    )
    connect_error = httpx.ConnectError(f"All connection attempts failed: {url}", request=request)
    log = get_logger("prop")
    log.error("http", error=status_error, url=request.url, headers=request.headers)
    try:
        raise connect_error
    except httpx.ConnectError:
        log.exception("connect")
    logging.getLogger("httpx").error("HTTP Request: %s %s", request.method, request.url)
    assert_clean(output.getvalue())


def test_sensitive_keys_drop_the_value_whatever_it_is(output: io.StringIO) -> None:
    deep: Any = {"Refresh-Token": "opaque-refresh-value"}
    for _ in range(30):
        deep = {"level": [deep]}
    get_logger("prop").info(
        "keys", db_password="hunter2", ctx=deep, headers={"Cookie": "sid=abc123cookie"}
    )
    text = output.getvalue()
    for value in ("hunter2", "opaque-refresh-value", "abc123cookie"):
        assert value not in text


def test_cycles_and_very_deep_values_are_cut_not_printed(output: io.StringIO) -> None:
    cyclic: list[Any] = [TOKEN]
    cyclic.append(cyclic)
    deep: Any = f"bot {TOKEN}"
    for _ in range(500):
        deep = [deep]
    get_logger("prop").info("odd shapes", cyclic=cyclic, deep=deep)
    line = json.loads(output.getvalue())
    assert "[CYCLE]" in json.dumps(line["cyclic"])
    assert "[TRUNCATED]" in json.dumps(line["deep"])
    assert_clean(output.getvalue())


def test_redact_keeps_ordinary_values() -> None:
    event = {"event": "handled", "chat_id": 42, "text": "Заявка 250101-001", "ok": True}
    assert redact(None, "info", dict(event)) == event


async def test_aiogram_unknown_update_warning_is_logged_without_the_body(
    output: io.StringIO,
) -> None:
    from aiogram import Bot, Dispatcher
    from aiogram.types import Update

    dp = Dispatcher()
    bot = Bot(TOKEN)
    update = Update.model_validate(
        {"update_id": 77, "mystery_update": {"from": {"first_name": "Ivan Petrov"}, "text": "hi"}}
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            await dp.feed_update(bot, update)
    finally:
        await bot.session.close()
    text = output.getvalue()
    assert "unknown update type" in text
    assert "[update body omitted]" in text
    assert "Ivan Petrov" not in text and "mystery_update" not in text
    assert_clean(text)
