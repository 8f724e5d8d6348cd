"""Logging: one pipeline for structlog and stdlib loggers, and no secret ever reaches the output."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from shared.logs import bind_update_context, configure_logging, get_logger

TOKEN = "5555555555:AAH" + "x" * 32
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjMiLCJleHAiOjE3MDAwMDAwMDB9."
    "c2lnbmF0dXJlLXNpZ25hdHVyZQ"
)
API_KEY = "svc-key-0123456789"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("DEBUG", "json", secrets=[API_KEY], stream=stream)
    structlog.contextvars.clear_contextvars()
    yield stream
    structlog.contextvars.clear_contextvars()
    logging.getLogger().handlers.clear()
    structlog.reset_defaults()


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


def test_structlog_and_stdlib_share_the_json_pipeline(output: io.StringIO) -> None:
    bind_update_context(update_id=7, chat_id=42, user_id=None)
    get_logger("gateway.test").info("handled", outcome="ok")
    logging.getLogger("aiogram.event").warning("stdlib %s", "line")
    first, second = lines(output)
    assert first["event"] == "handled"
    assert first["update_id"] == 7
    assert first["chat_id"] == 42
    assert "user_id" not in first
    assert second["event"] == "stdlib line"
    assert second["logger"] == "aiogram.event"
    assert second["chat_id"] == 42
    assert second["level"] == "warning"


@pytest.mark.parametrize(
    "leak",
    [
        {"event": f"bot token {TOKEN} leaked"},
        {"event": "call", "url": f"https://api.telegram.org/bot{TOKEN}/sendMessage"},
        {"event": "call", "headers": {"Authorization": f"Bearer {JWT}"}},
        {"event": "call", "authorization": f"Bearer {JWT}"},
        {"event": f"jwt in text {JWT}"},
        {"event": "nested", "data": [{"deep": {"token_like": f"x {JWT} y"}}]},
        {"event": f"header line Authorization: Bearer {JWT}"},
        {"event": f"X-Service-API-Key: {API_KEY}"},
        {"event": "configured secret", "value": f"key={API_KEY}"},
    ],
)
def test_redaction_removes_every_form(output: io.StringIO, leak: dict[str, object]) -> None:
    kwargs = dict(leak)
    event = str(kwargs.pop("event"))
    get_logger("t").info(event, **kwargs)
    text = output.getvalue()
    assert text
    for secret in (TOKEN, JWT, API_KEY, "AAH" + "x" * 32):
        assert secret not in text
    assert "[REDACTED]" in text


def test_stdlib_args_and_tracebacks_are_redacted(output: io.StringIO) -> None:
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
    except RuntimeError:
        logging.getLogger("aiohttp.client").exception("request to %s", f"/bot{TOKEN}/x")
    text = output.getvalue()
    assert "RuntimeError" in text
    assert TOKEN not in text


def test_console_format_is_readable_and_redacted() -> None:
    stream = io.StringIO()
    configure_logging("INFO", "console", stream=stream)
    try:
        get_logger("t").info("hello", token_url=f"/bot{TOKEN}/getMe")
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()
    text = stream.getvalue()
    assert "hello" in text
    assert not text.lstrip().startswith("{")
    assert TOKEN not in text


def test_keys_and_values_json_lacks_still_render() -> None:
    out = io.StringIO()
    configure_logging("INFO", "json", stream=out)
    get_logger("t").info("odd", data={(1, 2): "tuple key"}, when=object(), text="Заявка")
    line = json.loads(out.getvalue().splitlines()[-1])
    assert line["event"] == "odd" and line["text"] == "Заявка"
    assert line["data"] == {"(1, 2)": "tuple key"}
    assert line["when"].startswith("<object object")


def test_reconfiguring_reaches_loggers_already_used() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging("INFO", "json", stream=first)
    log = get_logger("reconfigured")
    log.debug("hidden")
    log.info("shown")
    configure_logging("DEBUG", "console", stream=second)
    log.debug("now shown")
    assert [json.loads(x)["event"] for x in first.getvalue().splitlines()] == ["shown"]
    assert "now shown" in second.getvalue() and "{" not in second.getvalue()


def test_a_closed_stream_never_fails_the_caller() -> None:
    out = io.StringIO()
    configure_logging("INFO", "json", stream=out)
    out.close()
    get_logger("closed").info("dropped")  # must not raise
    logging.getLogger("stdlib.closed").warning("dropped too")


def test_bound_context_is_merged_as_structlog_merges_it(output: io.StringIO) -> None:
    """The registry-based merge gives structlog's own result: bound keys, unbound ones left out,
    an explicit key winning over a bound one."""
    from shared.logs import merge_contextvars

    structlog.contextvars.bind_contextvars(update_id=7, chat_id=None, handler="h", gone=1)
    structlog.contextvars.unbind_contextvars("gone")
    ours = merge_contextvars(None, "info", {"event": "e", "handler": "explicit"})
    theirs = structlog.contextvars.merge_contextvars(
        None, "info", {"event": "e", "handler": "explicit"}
    )
    assert ours == theirs == {"event": "e", "handler": "explicit", "update_id": 7, "chat_id": None}


def test_context_vars_bind_like_bind_contextvars(output: io.StringIO) -> None:
    from shared.logs import context_vars

    (update_id,) = context_vars("update_id")
    token = update_id.set(9)
    get_logger("gateway.test").info("inside")
    update_id.reset(token)
    get_logger("gateway.test").info("after")
    inside, after = lines(output)
    assert inside["update_id"] == 9
    assert "update_id" not in after


def test_a_secret_registered_later_is_redacted_in_text_already_seen(output: io.StringIO) -> None:
    """Scrubbed strings are remembered; registering a secret forgets them."""
    from shared.logs import register_secrets

    log = get_logger("gateway.test")
    log.info("seen", value="late-secret-value-42")
    register_secrets(["late-secret-value-42"])
    log.info("seen", value="late-secret-value-42")
    first, second = lines(output)
    assert first["value"] == "late-secret-value-42"
    assert second["value"] == "[REDACTED]"


@pytest.mark.parametrize("fmt", ["json", "console"])
def test_emit_writes_the_line_the_logger_writes(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-update line's short way: byte for byte what ``log.info`` writes (same bound
    context, redaction, level filter, renderer), dropped where it drops."""
    import time

    from shared.logs import context_vars, emit

    monkeypatch.setattr(time, "time_ns", lambda: 1_767_323_045_678_901_234)
    normal, short = io.StringIO(), io.StringIO()
    (update_id, handler) = context_vars("update_id", "handler")
    tokens = update_id.set(7), handler.set("features.start")
    fields = {"outcome": "handled", "duration_ms": 1.25, "url": f"https://x/bot{TOKEN}/getMe"}
    try:
        for stream, write in (
            (normal, lambda log: log.info("update", **fields)),
            (short, lambda log: emit(log, "info", "update", **fields)),
        ):
            configure_logging("INFO", fmt, stream=stream)
            log = get_logger("workers.update.emit")
            write(log)
            getattr(log, "debug")("filtered")  # noqa: B009
            emit(log, "debug", "filtered")
            write(log)
    finally:
        update_id.reset(tokens[0])
        handler.reset(tokens[1])
        structlog.reset_defaults()
        logging.getLogger().handlers.clear()
    assert short.getvalue() == normal.getvalue()
    assert len(normal.getvalue().splitlines()) == 2 and "filtered" not in normal.getvalue()
    assert TOKEN not in normal.getvalue() and "features.start" in normal.getvalue()


def test_emit_drops_what_the_chain_drops_and_calls_stand_ins() -> None:
    from shared.logs import emit

    with structlog.testing.capture_logs() as captured:
        emit(get_logger("workers.update.captured"), "info", "update", outcome="ok")
    assert captured == [{"event": "update", "outcome": "ok", "log_level": "info"}]

    class StandIn:
        def __init__(self) -> None:
            self.lines: list[tuple[str, dict[str, object]]] = []

        def warning(self, event: str, **fields: object) -> None:
            self.lines.append((event, fields))

    stand_in = StandIn()
    emit(stand_in, "warning", "update", outcome="retry")
    assert stand_in.lines == [("update", {"outcome": "retry"})]


@pytest.mark.parametrize(
    "ns",
    [
        0,
        1_000,
        999_999_999,
        1_767_323_045_000_000_000,
        1_767_323_045_000_999_999,
        4_102_444_799_500_000_000,
    ],
)
def test_timestamp_is_structlogs_iso_utc_text(ns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt
    import time

    from shared.logs import timestamp

    monkeypatch.setattr(time, "time_ns", lambda: ns)
    seconds, micros = divmod(ns // 1000, 1_000_000)
    expected = dt.datetime.fromtimestamp(seconds, dt.UTC).replace(microsecond=micros)
    assert timestamp(None, "info", {})["timestamp"] == expected.isoformat().replace("+00:00", "Z")


def test_timestamp_reads_the_clock_structlog_reads() -> None:
    import datetime as dt

    from shared.logs import timestamp

    theirs = structlog.processors.TimeStamper(fmt="iso", utc=True)(None, "info", {})["timestamp"]
    ours = timestamp(None, "info", {})["timestamp"]
    assert ours.endswith("Z") and len(ours) in (20, 27)
    delta = dt.datetime.fromisoformat(ours) - dt.datetime.fromisoformat(theirs)
    assert dt.timedelta(0) <= delta < dt.timedelta(seconds=1)
