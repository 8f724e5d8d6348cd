"""Helpers more than one test folder uses (registered as a plugin in ``tests/conftest.py``, so its
fixtures need no import): what the code logged, one ASGI call driven by hand, and a watch on the
constant-time comparison of a secret."""

from __future__ import annotations

import hmac
import io
import json
from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest

from shared.logs import configure_logging

__all__ = ["asgi_call", "compare_digest_spy", "log_lines", "logged"]


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """The JSON log lines written while the test runs (logging is put back afterwards)."""
    stream = io.StringIO()
    configure_logging("INFO", "json", stream=stream)
    try:
        yield stream
    finally:
        configure_logging("INFO", "json")


def logged(stream: io.StringIO, name: str) -> list[dict[str, Any]]:
    """The lines of ``stream`` (from :func:`log_lines`) whose event is ``name``."""
    lines = (json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{"))
    return [line for line in lines if line.get("event") == name]


async def asgi_call(
    app: Any, scope: dict[str, Any], messages: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Run one ASGI call: ``messages`` are what receive() returns, in order; what was sent.

    For what a real server rarely lets through: a client gone mid-body, a malformed header, a
    lifespan or websocket scope."""
    pending = list(messages)
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return pending.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    await app(scope, receive, send)
    return sent


def compare_digest_spy(monkeypatch: pytest.MonkeyPatch, target: str) -> list[tuple[bytes, bytes]]:
    """Record every ``hmac.compare_digest`` call made through ``target`` (the checked module's
    name for it, e.g. ``"ingest.webhook.hmac.compare_digest"``); the comparison still happens."""
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(target, spy)
    return compared
