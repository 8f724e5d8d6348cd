"""Throwaway PostgreSQL databases for tests that change the schema, next to the run's database."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

GATEWAY_TABLES = frozenset(
    {
        "bot_sessions",
        "bot_commands",
        "inline_keyboard_cache",
        "bot_metrics",
        "bot_metrics_rollup",
        "broadcasts",
        "broadcast_recipients",
    }
)


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


@asynccontextmanager
async def temporary_database(server_url: str) -> AsyncIterator[str]:
    """Create an empty database on the server of ``server_url``; drop it on exit."""
    name = f"{urlsplit(server_url).path.lstrip('/')}_{secrets.token_hex(4)}"[-63:]
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield with_database(server_url, name)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


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
