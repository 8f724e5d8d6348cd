"""Every variable part of a service path is percent-encoded as exactly one segment, whatever it
holds: forged button data (``x/../../users/5``) never reaches another resource of a service."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devkit.fakes.serve import serve
from shared.clients import RequestClient, ServiceNotFound, UserClient
from shared.clients.base import path_segment

ROOT = Path(__file__).resolve().parents[2]


class RecordingPeer:
    """Answers 404 to everything and keeps the raw request target of each request."""

    def __init__(self) -> None:
        self.raw_paths: list[bytes] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        self.raw_paths.append(scope["raw_path"])
        body = json.dumps({"detail": "not found", "code": "not_found"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 404,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


HOSTILE = [
    "x/../../users/5",
    "..x",
    "a?b=1",
    "a#frag",
    "%2e%2e",
    "a b",
    "\\..\\users",
    "номер",
    "a\r\nX-Injected: 1",
]


async def test_hostile_request_numbers_stay_one_segment_on_the_wire() -> None:
    peer = RecordingPeer()
    async with serve(peer) as url:
        client = RequestClient(url, api_key="k")
        users = UserClient(url, api_key="k")
        try:
            for number in HOSTILE:
                with pytest.raises(ServiceNotFound):
                    await client.get(number)
            with pytest.raises(ServiceNotFound):
                await users.get_invite("../users/1")
            # Dots alone would be a "." or ".." once normalised: refused without a request.
            for dots in (".", "..", "...", ""):
                with pytest.raises(ServiceNotFound) as info:
                    await client.get(dots)
                assert info.value.code == "invalid_identifier"
        finally:
            await client.aclose()
            await users.aclose()
    assert len(peer.raw_paths) == len(HOSTILE) + 1
    for raw, number in zip(peer.raw_paths, HOSTILE, strict=False):
        prefix = b"/api/v1/requests/"
        assert raw.startswith(prefix), raw
        segment = raw[len(prefix) :]
        assert b"/" not in segment and b"?" not in segment and b"#" not in segment, raw
        assert segment not in (b".", b".."), raw
        assert unquote(segment.decode()) == number
    assert peer.raw_paths[-1] == b"/api/v1/invites/..%2Fusers%2F1"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(min_size=1), st.integers(min_value=0)))
def test_a_segment_is_always_one_segment_and_decodes_back(value: str | int) -> None:
    if str(value).strip(".") == "":
        with pytest.raises(ValueError, match="only dots"):
            path_segment(value)
        return
    encoded = path_segment(value)
    assert "/" not in encoded and "?" not in encoded and "#" not in encoded
    assert encoded not in (".", "..")
    assert all(ch.isascii() and ch.isprintable() for ch in encoded)
    assert unquote(encoded) == str(value)


def test_empty_or_odd_segments_are_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        path_segment("")
    with pytest.raises(ValueError, match="dots"):
        path_segment("..")
    with pytest.raises(TypeError):
        path_segment(True)
    with pytest.raises(TypeError):
        path_segment(1.5)  # type: ignore[arg-type]


def test_no_client_builds_a_path_by_string_formatting() -> None:
    """Paths are templates filled by the client core, never f-strings or concatenation."""
    offenders = []
    for file in sorted((ROOT / "shared" / "clients").glob("*.py")):
        for node in ast.walk(ast.parse(file.read_text())):
            if not isinstance(node, ast.Call) or getattr(node.func, "attr", None) != "_call":
                continue
            if len(node.args) < 3:
                continue
            path = node.args[2]
            if not (isinstance(path, ast.Constant) and isinstance(path.value, str)):
                offenders.append(f"{file.name}:{node.lineno}")
    assert offenders == []
