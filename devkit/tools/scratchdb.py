"""Throwaway PostgreSQL databases beside a configured one: replays and tests that must not read
or leave state in the database they were pointed at."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg

__all__ = ["asyncpg_dsn", "migrated_scratch_database", "temporary_database", "with_database"]


def asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def with_database(url: str, database: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{database}"))


@asynccontextmanager
async def temporary_database(server_url: str, tag: str = "") -> AsyncIterator[str]:
    """Create an empty database on the server of ``server_url``; drop it on exit."""
    base = urlsplit(server_url).path.lstrip("/") or "postgres"
    name = f"{base}{tag}_{secrets.token_hex(4)}"[-63:]
    admin = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield with_database(server_url, name)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@asynccontextmanager
async def migrated_scratch_database(server_url: str, tag: str = "") -> AsyncIterator[str]:
    """:func:`temporary_database` with the gateway's schema at head."""
    from shared.db.migrate import upgrade

    async with temporary_database(server_url, tag) as url:
        await asyncio.to_thread(upgrade, url)
        yield url
