"""Error tracking: envelopes really sent to a loopback endpoint, scrubbed, tagged; and nothing
at all (not even the import) without SENTRY_DSN."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.errortracking_child import JWT, NAME, PHONE, TEXT, TOKEN

ROOT = Path(__file__).resolve().parents[1]


class Collector(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[tuple[str, bytes]] = []


class _Handler(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        self.server.received.append((self.path, body))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def run_child(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full = {
        **os.environ,
        "LOG_FORMAT": "json",
        "ENVIRONMENT": "staging",
        # A deployed environment refuses development secrets.
        "TELEGRAM_WEBHOOK_SECRET": "s" * 40,
        "SERVICE_API_KEY": "staging-service-key-for-the-test",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "tests.errortracking_child"],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def events(received: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
    out = []
    for _, body in received:
        lines = body.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                out.append(json.loads(payload))
    return out


def test_errors_reach_the_endpoint_scrubbed_and_tagged(collector: Collector) -> None:
    port = collector.server_address[1]
    result = run_child(
        {"SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/42", "SENTRY_RELEASE": "gw@1.2.3"}
    )
    assert result.stderr.strip().endswith("active")
    assert {path for path, _ in collector.received} == {"/api/42/envelope/"}
    raw = b"".join(body for _, body in collector.received).decode()
    for leaked in (TOKEN, JWT, PHONE, NAME, TEXT, "Dilnoza", "Kran oqyapti", "123 45 67"):
        assert leaked not in raw, leaked
    sent = events(collector.received)
    assert len(sent) == 2, raw[:2000]
    ours = next(e for e in sent if e.get("exception"))
    assert ours["release"] == "gw@1.2.3"
    assert ours["environment"] == "staging"
    assert ours["tags"]["update_id"] == "555001"
    assert ours["tags"]["chat_id"] == "4242"
    assert ours["tags"]["service"] == "worker"
    (error,) = ours["exception"]["values"]
    assert error["type"] == "RuntimeError"
    assert "[REDACTED]" in error["value"]
    assert "api.telegram.org/bot[REDACTED]/sendMessage" in error["value"]
    assert error["stacktrace"]["frames"][-1]["function"] == "main"
    assert all("vars" not in frame for frame in error["stacktrace"]["frames"])
    log_context = ours["contexts"]["log"]
    assert log_context["phone_number"] == "[REDACTED]"
    assert log_context["note"] == "call [REDACTED] about it"
    library = next(e for e in sent if not e.get("exception"))
    assert library["logger"] == "aiogram.dispatcher"
    assert library["logentry"] == {"message": "failed to send to %s: %s", "params": []}
    assert library["tags"]["service"] == "worker"


def test_off_without_a_dsn(collector: Collector) -> None:
    result = run_child({"SENTRY_DSN": ""})
    assert result.stderr.strip().endswith("inactive")
    assert collector.received == []
    # Costless: the SDK is not even imported by the product when no DSN is set.
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from shared.cli import setup_logging; from shared.settings import "
            "load_settings; setup_logging(load_settings(), service='ingest'); "
            "from shared.logs import _State; "
            "print('sentry_sdk' in sys.modules, _State.error_hook is None)",
        ],
        cwd=ROOT,
        env={**os.environ, "SENTRY_DSN": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert probe.stdout.split() == ["False", "True"]


def test_a_malformed_dsn_is_a_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from shared.settings import SentrySettings, SettingsError, load_section

    monkeypatch.setenv("SENTRY_DSN", "not a url")
    with pytest.raises(SettingsError, match=r"^SENTRY_DSN: ") as caught:
        load_section(SentrySettings)
    assert "not a url" not in str(caught.value)
