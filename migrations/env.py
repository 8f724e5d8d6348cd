"""Alembic environment for the gateway's database (async engine on asyncpg).

The URL comes from ``Config.attributes["database_url"]`` (set by ``shared.db.migrate``), else from
``sqlalchemy.url`` in an ini file, else from ``DATABASE_URL`` through the settings. Migrations hold
a transaction-scoped advisory lock, so several replicas running ``bot-gateway migrate`` at start
apply each revision once: the others wait, then find the database already at head.
"""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.db.models import Base
from shared.settings import load_database_settings

# Any fixed 64-bit number, the same in every process that migrates this database.
MIGRATION_LOCK_KEY = 0x62677700_6D696772

config = context.config
target_metadata = Base.metadata

# Only the alembic command line brings an ini file; programmatic runs leave logging alone.
if config.config_file_name is not None and config.file_config.has_section("loggers"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def database_url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    return str(url) if url else load_database_settings().url


def run_migrations_offline() -> None:
    """``alembic upgrade --sql``: print the SQL instead of running it."""
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        compare_server_default=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata, compare_server_default=True
    )
    with context.begin_transaction():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        context.run_migrations()


async def run_async_migrations() -> None:
    # NullPool: a migration run is one connection, closed when done.
    engine = create_async_engine(database_url(), poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_async_migrations())
