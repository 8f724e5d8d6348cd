"""Test infrastructure: real Redis and PostgreSQL, never mocked.

Servers are resolved once per run (environment URL → local server → embedded wheels). Each run
gets its own PostgreSQL database (created here, dropped at the end) and its own Redis key prefix;
at the end only keys carrying that prefix are deleted, so a shared Redis is never flushed.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from redis.asyncio import Redis

from devkit.servers import Servers, resolve_servers
from shared.connections import create_redis

pytest_plugins = ["tests.replay_plugin", "tests.support"]

TEST_TOKEN = "123456789:" + "A" * 35
RUN_ID = secrets.token_hex(4)
KEY_PREFIX = f"bgwtest{RUN_ID}"


def _with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    found = resolve_servers(os.environ.get("REDIS_URL"), os.environ.get("DATABASE_URL"))
    print(f"\nredis: {found.redis_source}  postgres: {found.postgres_source}")
    try:
        yield found
    finally:
        found.stop()


@pytest.fixture(scope="session")
def redis_url(servers: Servers) -> str:
    return servers.redis_url


@pytest.fixture(scope="session")
def database_url(servers: Servers) -> Iterator[str]:
    """A database of this run's own, created now and dropped at the end."""
    name = f"bgw_test_{RUN_ID}"
    admin = _asyncpg_dsn(servers.postgres_url)

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(servers.postgres_url, name)
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session", autouse=True)
def test_environment(redis_url: str) -> Iterator[None]:
    """Settings for code under test (and the subprocesses it starts) come from the environment."""
    saved = dict(os.environ)
    os.environ.update(
        {
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": KEY_PREFIX,
            "TELEGRAM_BOT_TOKEN": os.environ.get("TELEGRAM_BOT_TOKEN", TEST_TOKEN),
            "ENVIRONMENT": "test",
            "LOG_FORMAT": "json",
            # Test receivers must not fight over the internal listener's default port.
            "INTERNAL_PORT": "0",
        }
    )
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        asyncio.run(_delete_run_keys(redis_url))


async def _delete_run_keys(url: str) -> None:
    client = create_redis(url)
    try:
        batch: list[bytes] = []
        async for key in client.scan_iter(match=f"*{KEY_PREFIX}*", count=1000):
            batch.append(key)
            if len(batch) >= 500:
                await client.unlink(*batch)
                batch.clear()
        if batch:
            await client.unlink(*batch)
    finally:
        await client.aclose()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = create_redis(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def key_prefix() -> str:
    """A prefix unique to one test, inside this run's key space."""
    return f"{KEY_PREFIX}.{secrets.token_hex(3)}"
