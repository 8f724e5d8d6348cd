"""The public port against real slow clients over sockets: silence, partial or trickling headers,
a partial body, idle keep-alive, and more connections than the cap. The server is uvicorn with
the production options (:func:`ingest.guard.uvicorn_options`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import uvicorn
from redis.asyncio import Redis

from devkit.fakes.serve import free_port
from ingest.app import IngestApp
from ingest.guard import uvicorn_options
from ingest.server import _EmbeddedServer
from shared.settings import Settings, load_settings
from tests.ingest.conftest import SECRET, inbox_size, update

# Generous: the test fails when a connection stays open far past its deadline, not on jitter.
CLOSED_WITHIN = 8.0


@dataclass
class Served:
    host: str
    port: int
    app: IngestApp
    settings: Settings

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)


@pytest.fixture
async def served(prefix: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Served]:
    monkeypatch.setenv("REDIS_KEY_PREFIX", prefix)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("INGEST_HEADER_TIMEOUT", "0.5")
    monkeypatch.setenv("INGEST_BODY_TIMEOUT", "0.5")
    monkeypatch.setenv("INGEST_KEEPALIVE_TIMEOUT", "0.5")
    monkeypatch.setenv("INGEST_MAX_CONNECTIONS", "3")
    settings = load_settings()
    app = IngestApp(settings)
    await app.startup()
    port = free_port("127.0.0.1")
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_config=None,
        access_log=False,
        **uvicorn_options(settings),
    )
    server = _EmbeddedServer(config)
    task = asyncio.create_task(server.serve())
    deadline = asyncio.get_running_loop().time() + 10
    while not server.started:
        assert not task.done(), "server stopped during start-up"
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.01)
    try:
        yield Served("127.0.0.1", port, app, settings)
    finally:
        server.should_exit = True
        await task
        await app.shutdown()


async def read_until_closed(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes; fails if it keeps the connection open."""
    return await asyncio.wait_for(reader.read(), CLOSED_WITHIN)


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()


def webhook_head(length: int) -> bytes:
    return (
        f"POST /webhook HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        f"x-telegram-bot-api-secret-token: {SECRET}\r\ncontent-length: {length}\r\n\r\n"
    ).encode()


async def test_a_silent_client_is_disconnected(served: Served) -> None:
    reader, writer = await served.connect()
    assert await read_until_closed(reader) == b""
    await close(writer)


async def test_partial_headers_are_disconnected(served: Served) -> None:
    reader, writer = await served.connect()
    writer.write(b"POST /webhook HTTP/1.1\r\nhost: x\r\n")
    await writer.drain()
    assert await read_until_closed(reader) == b""
    await close(writer)


async def test_trickling_headers_are_disconnected_although_bytes_keep_coming(
    served: Served,
) -> None:
    reader, writer = await served.connect()
    writer.write(b"POST /webhook HTTP/1.1\r\n")
    closed = asyncio.create_task(read_until_closed(reader))
    sent = 0
    try:
        while not closed.done() and sent < 200:
            # A slowloris: one header byte at a time, each well within any idle timeout.
            writer.write(b"x")
            await writer.drain()
            sent += 1
            await asyncio.wait({closed}, timeout=0.05)
    except ConnectionError:
        pass  # the server closed while we were writing: that is the point
    assert await closed == b""
    assert sent < 200  # closed after about INGEST_HEADER_TIMEOUT (0.5 s), not at our leisure
    await close(writer)


async def test_a_partial_body_is_answered_408_and_nothing_is_queued(
    served: Served, redis: Redis
) -> None:
    body = update(4242)
    reader, writer = await served.connect()
    writer.write(webhook_head(len(body)) + body[:10])
    await writer.drain()
    answer = await read_until_closed(reader)
    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert b"connection: close" in answer.lower()
    assert await inbox_size(redis, served.settings, body) == 0
    await close(writer)


async def test_an_idle_kept_alive_connection_is_closed(served: Served) -> None:
    reader, writer = await served.connect()
    writer.write(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n")
    await writer.drain()
    answer = await read_until_closed(reader)
    assert answer.startswith(b"HTTP/1.1 200 ")
    await close(writer)


async def test_a_whole_update_still_goes_through(served: Served, redis: Redis) -> None:
    body = update(4343)
    reader, writer = await served.connect()
    writer.write(webhook_head(len(body)) + body)
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), CLOSED_WITHIN)
    assert status.startswith(b"HTTP/1.1 200 ")
    assert await inbox_size(redis, served.settings, body) == 1
    await close(writer)


async def test_connections_past_the_cap_are_refused_until_slots_free_up(served: Served) -> None:
    holders = [await served.connect() for _ in range(3)]  # INGEST_MAX_CONNECTIONS=3, all silent
    reader, writer = await served.connect()
    refused = await read_until_closed(reader)
    assert refused.startswith(b"HTTP/1.1 503 "), refused
    await close(writer)
    # The silent holders are dropped at their header deadline; then a client gets in again.
    for holder_reader, holder_writer in holders:
        assert await read_until_closed(holder_reader) == b""
        await close(holder_writer)
    reader, writer = await served.connect()
    writer.write(b"GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
    await writer.drain()
    assert (await read_until_closed(reader)).startswith(b"HTTP/1.1 200 ")
    await close(writer)
