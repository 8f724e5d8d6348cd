"""Throwaway PostgreSQL databases for tests that change the schema, next to the run's database."""

from __future__ import annotations

import asyncpg

from devkit.tools.scratchdb import asyncpg_dsn, temporary_database, with_database

__all__ = [
    "GATEWAY_TABLES",
    "asyncpg_dsn",
    "fetch_tables",
    "fetch_version",
    "temporary_database",
    "with_database",
]

GATEWAY_TABLES = frozenset(
    {
        "bot_sessions",
        "bot_commands",
        "inline_keyboard_cache",
        "bot_metrics",
        "bot_metrics_rollup",
        "broadcasts",
        "broadcast_recipients",
        "notification_prefs",
    }
)


async def fetch_tables(url: str) -> set[str]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return {row["tablename"] for row in rows}


async def fetch_version(url: str) -> str | None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        exists = await conn.fetchval("SELECT to_regclass('public.alembic_version') IS NOT NULL")
        return await conn.fetchval("SELECT version_num FROM alembic_version") if exists else None
    finally:
        await conn.close()
