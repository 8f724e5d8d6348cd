"""No secret, token or JWT reaches a log line, through every path that logs."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from devkit.fakes import seed
from devkit.fakes.stack import RunningFakes
from shared.clients import (
    ServiceClients,
    ServiceFailure,
    ServiceNotFound,
    Unauthorized,
    request_id_scope,
)
from shared.logs import configure_logging
from tests.clients.conftest import SERVICE_KEY

JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.")


class _RawCapture(logging.Handler):
    """Keeps each record's raw event (before redaction and rendering)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.events: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.events.append(repr(record.msg) + " " + repr(record.args) + " " + str(record.exc_info))


@pytest.fixture
def captured() -> Iterator[tuple[io.StringIO, _RawCapture]]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, structlog.get_config())
    out = io.StringIO()
    configure_logging("DEBUG", "json", secrets=(), stream=out)
    raw = _RawCapture()
    root.addHandler(raw)
    try:
        yield out, raw
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        structlog.configure(**saved[2])


async def test_no_secret_in_any_log_line(
    clients: ServiceClients, fakes: RunningFakes, captured: tuple[io.StringIO, _RawCapture]
) -> None:
    out, raw = captured
    seen_tokens: list[str] = []

    async def remember(token: str) -> Any:
        seen_tokens.append(token)
        return await clients.shifts.executor_shifts(token, seed.PLUMBER.id)

    with request_id_scope("upd-4242"):
        login = await clients.auth.login(seed.RESIDENT.telegram_id)
        await clients.auth.refresh(login.tokens.refresh_token)
        with pytest.raises(Unauthorized):
            await clients.auth.refresh(login.tokens.refresh_token)  # reuse: logged as a failure
        await clients.tokens.call(seed.PLUMBER.telegram_id, remember)
        fakes.state.clock.advance(3700)
        await clients.tokens.call(seed.PLUMBER.telegram_id, remember)  # 401 → refresh → repeat
        fakes.state.controls["user"].fail_next(4, status=503)
        with pytest.raises(ServiceFailure):
            await clients.users.get(seed.RESIDENT.id)
        invite = await clients.users.create_invite(
            "applicant", actor_user_id=seed.MANAGER.id, idempotency_key="upd:4242"
        )
        await clients.users.get_invite(invite.token)
        with pytest.raises(ServiceNotFound):  # a first visit: an answer, not a failure
            await clients.users.get_by_telegram(987_654_321)

    rendered = out.getvalue()
    refused = [json.loads(line) for line in rendered.splitlines() if "service_call_refused" in line]
    assert [(r["level"], r["code"], r["status"]) for r in refused] == [
        ("info", "user_not_found", 404)
    ]
    failed = [json.loads(line) for line in rendered.splitlines() if "service_call_failed" in line]
    assert failed and all(r["level"] == "warning" for r in failed)
    lines = rendered.splitlines() + raw.events
    assert any("service_retry" in line for line in lines)
    assert any("service_call_failed" in line for line in lines)
    assert all(
        json.loads(line)["request_id"] == "upd-4242"
        for line in rendered.splitlines()
        if "service_" in line
    )
    secrets_ = [
        SERVICE_KEY,
        login.tokens.access_token,
        login.tokens.refresh_token,
        invite.token,
        *seen_tokens,
    ]
    assert len(seen_tokens) == 3
    for line in lines:
        assert not JWT_RE.search(line), line
        for secret in secrets_:
            assert secret not in line, line
