"""Malformed bodies and headers thrown at /webhook of a real receiver process.

Whatever arrives, the answer is never a 5xx (Redis is up, so not even 503) and the process stays
up. Requests are written on raw sockets so that headers and lengths can be anything at all.
"""

from __future__ import annotations

import contextlib
import json
import socket
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.ingest.conftest import SECRET, update

pytestmark = pytest.mark.slow

MAX_BODY = 4096
EXPECTED = {200, 400, 401, 413, 429}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=25,
)
ids = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=0, max_value=2**53 + 10),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)
event_names = st.sampled_from(
    ["message", "edited_message", "callback_query", "inline_query", "poll", "my_chat_member"]
) | st.text(max_size=12)
update_like = st.builds(
    lambda uid, name, chat, sender, extra: {
        "update_id": uid,
        name: {"chat": {"id": chat}, "from": {"id": sender}, **extra},
    },
    ids,
    event_names,
    ids,
    ids,
    st.dictionaries(st.text(max_size=8), json_values, max_size=3),
)
bodies = st.one_of(
    st.binary(max_size=600),
    json_values.map(lambda v: json.dumps(v).encode()),
    update_like.map(lambda v: json.dumps(v).encode()),
    update_like.map(lambda v: json.dumps(v)[: len(json.dumps(v)) // 2].encode()),
    st.integers(min_value=MAX_BODY + 1, max_value=3 * MAX_BODY).map(lambda n: b"{" * n),
)
# Header text: printable ASCII plus some Latin-1 and control bytes that are not line breaks.
header_chars = st.characters(min_codepoint=1, max_codepoint=255, blacklist_characters="\r\n")
# Half the requests carry the right secret, so that most bodies get past the 401.
secrets_ = st.one_of(
    st.just(SECRET),
    st.one_of(
        st.just(SECRET.upper()),
        st.just(" " + SECRET),
        st.text(header_chars, max_size=40),
        st.none(),
    ),
)
extra_headers = st.lists(
    st.tuples(
        st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=20),
        st.text(header_chars, max_size=40),
    ),
    max_size=4,
)
lengths = st.one_of(
    st.just("exact"),
    st.just("missing"),
    st.just("chunked"),
    st.sampled_from(["-1", "abc", "1e3", "0x10", "", " 5", "99999999999999999999"]),
)


@dataclass
class Request:
    payload: bytes
    wellformed: bool


@st.composite
def requests(draw: Any) -> Request:
    body = draw(bodies)
    secret = draw(secrets_)
    extras = draw(extra_headers)
    length = draw(lengths)
    content_type = draw(st.sampled_from(["application/json", "text/plain", "", "x/y; a=b"]))
    lines = ["POST /webhook HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if secret is not None:
        lines.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    wellformed = all(_printable(v) for _, v in extras) and _printable(secret or "")
    for name, value in extras:
        lines.append(f"{name}: {value}")
        wellformed = wellformed and name.isalnum() and name.lower() not in _FRAMING
    if length == "exact":
        lines.append(f"Content-Length: {len(body)}")
        framed = body
    elif length == "chunked":
        lines.append("Transfer-Encoding: chunked")
        framed = f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n" if body else b"0\r\n\r\n"
    elif length == "missing":
        framed = b""  # no length: the body is empty as far as HTTP/1.1 is concerned
    else:
        lines.append(f"Content-Length: {length}")
        framed = body
        wellformed = False
    head = "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n"
    return Request(head + framed, wellformed)


_FRAMING = {"content-length", "transfer-encoding", "connection", "host", "expect", "upgrade"}


def _printable(text: str) -> bool:
    return all(32 <= ord(c) < 127 for c in text)


def exchange(port: int, payload: bytes, wait: float = 5.0) -> int | None:
    """Send one request; the status code, or None when no answer came (closed or still waiting).

    A malformed length may leave the server waiting for body bytes that never come, which is
    correct HTTP; such requests get a short ``wait``.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        # An early answer (413, 400) may close the connection before everything was sent.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(payload)
        data = b""
        with contextlib.suppress(ConnectionResetError, TimeoutError):
            while b"\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
    if not data:
        return None
    return int(data.split(b" ", 2)[1])


async def test_malformed_requests_never_get_a_5xx(ingest_process: Any) -> None:
    receiver = ingest_process(INGEST_MAX_BODY_BYTES=str(MAX_BODY), LOG_LEVEL="ERROR")
    await receiver.wait_healthy()
    port = receiver.port
    answers: dict[int | None, int] = {}

    @hsettings(
        max_examples=400,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(requests())
    def throw(request: Request) -> None:
        status = exchange(port, request.payload, 5.0 if request.wellformed else 0.5)
        answers[status] = answers.get(status, 0) + 1
        if request.wellformed:
            assert status in EXPECTED, (status, request.payload[:300])
        else:
            assert status is None or status < 500, (status, request.payload[:300])

    throw()
    assert receiver.alive()
    # Still serving, and still storing.
    assert exchange(port, _valid_request()) == 200
    assert answers.get(200, 0) + answers.get(400, 0) + answers.get(401, 0) > 0


def _valid_request() -> bytes:
    body = update(2**40, chat_id=9999)
    return (
        b"POST /webhook HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n".encode()
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
