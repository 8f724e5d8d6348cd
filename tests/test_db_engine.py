"""The async engine: pool settings, pre-ping after a dropped connection, unix-socket URLs."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_engine
from shared.db.engine import APPLICATION_NAME
from shared.db.migrate import upgrade
from shared.settings import DatabaseSettings
from tests.db_support import GATEWAY_TABLES, asyncpg_dsn, fetch_tables, temporary_database


@contextlib.asynccontextmanager
async def disposing(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_pool_defaults_come_from_settings(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW", "DATABASE_POOL_RECYCLE"):
        monkeypatch.delenv(name, raising=False)
    # _env_file=None: a developer's .env must not change the defaults under test.
    settings = DatabaseSettings(url=database_url, _env_file=None)
    async with disposing(create_engine(settings)) as engine:
        pool = engine.sync_engine.pool
        assert pool.size() == 20  # type: ignore[attr-defined]
        assert pool._max_overflow == 10  # type: ignore[attr-defined]
        assert pool._recycle == 3600
        assert pool._pre_ping is True


async def test_pool_size_and_overflow_are_applied(database_url: str) -> None:
    settings = DatabaseSettings(url=database_url, pool_size=1, max_overflow=1, pool_recycle=120)
    async with disposing(create_engine(settings)) as engine:
        pool = engine.sync_engine.pool
        assert pool._recycle == 120
        async with engine.connect() as first, engine.connect() as second:
            await first.execute(text("SELECT 1"))
            await second.execute(text("SELECT 1"))
            assert pool.checkedout() == 2  # type: ignore[attr-defined]
            assert pool.overflow() == 1  # type: ignore[attr-defined]
        name = await _scalar(engine, "SELECT current_setting('application_name')")
        assert name == APPLICATION_NAME


async def _scalar(engine: AsyncEngine, sql: str) -> object:
    async with engine.connect() as conn:
        return (await conn.execute(text(sql))).scalar_one()


async def test_pre_ping_replaces_a_connection_the_server_dropped(database_url: str) -> None:
    settings = DatabaseSettings(url=database_url, pool_size=1, max_overflow=0)
    async with disposing(create_engine(settings)) as engine:
        pid = await _scalar(engine, "SELECT pg_backend_pid()")
        admin = await asyncpg.connect(asyncpg_dsn(database_url))
        try:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid) is True
            deadline = asyncio.get_running_loop().time() + 10
            while await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
                assert asyncio.get_running_loop().time() < deadline, "backend did not exit"
                await asyncio.sleep(0.02)
        finally:
            await admin.close()
        # Without the ping the pooled, dead connection would fail this query.
        new_pid = await _scalar(engine, "SELECT pg_backend_pid()")
        assert new_pid != pid


@dataclass
class SocketProxy:
    directory: str
    port: int
    writers: list[asyncio.StreamWriter] = field(default_factory=list)


@contextlib.asynccontextmanager
async def unix_socket_proxy(tcp_url: str) -> AsyncIterator[SocketProxy]:
    """A unix socket (as the embedded server offers) relaying to the TCP server."""
    parts = urlsplit(tcp_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    proxy = SocketProxy(tempfile.mkdtemp(prefix="bgwpg"), port)

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def relay(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(host, port)
        proxy.writers.extend((writer, up_writer))
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    # Short temporary path: a unix socket path is limited to about 100 bytes.
    socket_path = Path(proxy.directory) / f".s.PGSQL.{port}"
    server = await asyncio.start_unix_server(relay, path=str(socket_path))
    try:
        yield proxy
    finally:
        server.close()
        for writer in proxy.writers:
            writer.close()
        await server.wait_closed()
        shutil.rmtree(proxy.directory, ignore_errors=True)


async def test_unix_socket_url_for_engine_and_migrations(database_url: str) -> None:
    if "host=" in urlsplit(database_url).query:
        # The embedded server is only reachable through its socket: use it as it is.
        async with temporary_database(database_url) as socket_url:
            await asyncio.to_thread(upgrade, socket_url)
            async with disposing(create_engine(DatabaseSettings(url=socket_url))) as engine:
                count = await _scalar(engine, "SELECT count(*) FROM bot_commands")
        assert count == 15  # 0002 seeds 14 commands, 0004 adds /notifications
        return
    async with temporary_database(database_url) as tcp_url, unix_socket_proxy(tcp_url) as proxy:
        database = urlsplit(tcp_url).path.lstrip("/")
        url = f"postgresql+asyncpg://postgres:@/{database}?host={proxy.directory}"
        if proxy.port != 5432:
            url += f"&port={proxy.port}"
        settings = DatabaseSettings(url=url)
        assert settings.url == url

        await asyncio.to_thread(upgrade, url)
        async with disposing(create_engine(settings)) as engine:
            count = await _scalar(engine, "SELECT count(*) FROM bot_commands")
        assert count == 15  # 0002 seeds 14 commands, 0004 adds /notifications
        assert await fetch_tables(tcp_url) >= GATEWAY_TABLES
        # Both the migration and the engine went through the socket (two ends per connection).
        assert len(proxy.writers) >= 4
