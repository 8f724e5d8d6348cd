"""Alembic migrations against real PostgreSQL, each test on a database of its own."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db.migrate import downgrade, upgrade
from shared.db.models import Base
from tests.db_support import (
    GATEWAY_TABLES,
    asyncpg_dsn,
    fetch_tables,
    fetch_version,
    temporary_database,
)

HEAD = "0004"


@pytest.fixture
async def fresh_url(database_url: str) -> AsyncIterator[str]:
    async with temporary_database(database_url) as url:
        yield url


async def test_upgrade_downgrade_upgrade_round_trip(fresh_url: str) -> None:
    assert await fetch_tables(fresh_url) == set()

    await asyncio.to_thread(upgrade, fresh_url)
    assert await fetch_tables(fresh_url) == GATEWAY_TABLES | {"alembic_version"}
    assert await fetch_version(fresh_url) == HEAD

    await asyncio.to_thread(downgrade, fresh_url, "base")
    assert await fetch_tables(fresh_url) == {"alembic_version"}
    assert await fetch_version(fresh_url) is None

    await asyncio.to_thread(upgrade, fresh_url, "head")
    assert await fetch_tables(fresh_url) == GATEWAY_TABLES | {"alembic_version"}
    assert await fetch_version(fresh_url) == HEAD


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "compare_server_default": True}
    )
    return list(compare_metadata(context, Base.metadata))


async def test_models_and_migrations_agree(fresh_url: str) -> None:
    await asyncio.to_thread(upgrade, fresh_url)
    engine = create_async_engine(fresh_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []

        # The comparison does see drift: a missing index and a changed default both show up.
        async with engine.begin() as conn:
            await conn.exec_driver_sql("DROP INDEX ix_bot_sessions_expires_at")
            await conn.exec_driver_sql(
                "ALTER TABLE bot_commands ALTER COLUMN sort_order SET DEFAULT 5"
            )
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    kinds = {entry[0] if isinstance(entry, tuple) else entry[0][0] for entry in diff}
    assert kinds == {"add_index", "modify_default"}


async def test_seed_downgrade_deletes_only_seeded_rows(fresh_url: str) -> None:
    await asyncio.to_thread(upgrade, fresh_url)
    conn = await asyncpg.connect(asyncpg_dsn(fresh_url))
    try:
        await conn.execute(
            "INSERT INTO bot_commands (command, target_service, description_ru, description_uz)"
            " VALUES ('support', 'gateway', 'Поддержка', 'Yordam xizmati')"
        )
        assert await conn.fetchval("SELECT count(*) FROM bot_commands") == 16

        await asyncio.to_thread(downgrade, fresh_url, "0001")
        assert await conn.fetch("SELECT command FROM bot_commands") == [("support",)]

        await asyncio.to_thread(upgrade, fresh_url)
        assert await conn.fetchval("SELECT count(*) FROM bot_commands") == 16
    finally:
        await conn.close()


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("bot-gateway")
    return [str(script)] if script.exists() else [sys.executable, "-m", "shared.cli"]


async def _migrate_cli(database_url: str) -> tuple[int | None, str, str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    proc = await asyncio.create_subprocess_exec(
        *_cli(),
        "migrate",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode, stdout.decode(), stderr.decode()


async def test_cli_migrate_upgrades_a_fresh_database(fresh_url: str) -> None:
    # Two replicas migrating at the same start: the advisory lock lets each revision apply once.
    results = await asyncio.gather(_migrate_cli(fresh_url), _migrate_cli(fresh_url))
    for returncode, stdout, stderr in results:
        assert returncode == 0, stderr
        assert "database at head" in stdout
    assert await fetch_tables(fresh_url) == GATEWAY_TABLES | {"alembic_version"}
    assert await fetch_version(fresh_url) == HEAD
    conn = await asyncpg.connect(asyncpg_dsn(fresh_url))
    try:
        assert await conn.fetchval("SELECT count(*) FROM bot_commands") == 15
    finally:
        await conn.close()


async def test_upgrade_refuses_to_run_inside_an_event_loop() -> None:
    with pytest.raises(RuntimeError, match=r"asyncio\.to_thread"):
        upgrade("postgresql+asyncpg://postgres@127.0.0.1:5432/unused")
