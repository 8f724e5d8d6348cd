"""The async engine (SQLAlchemy 2 on asyncpg) and its session factory.

One engine per process, created at start and disposed at shutdown. Pooled connections are pinged
before use, so a PostgreSQL restart or an idle-killed connection costs one reconnect instead of a
failed request, and are recycled after ``pool_recycle`` seconds to stay under server and proxy idle
limits. Every wait is bounded (``DATABASE_CONNECT_TIMEOUT`` to open a connection,
``DATABASE_POOL_TIMEOUT`` for a pooled one, ``DATABASE_STATEMENT_TIMEOUT`` per statement, enforced
by the server and by asyncpg), so a database outage fails a call in seconds instead of hanging
the update or the writer that made it. URLs may name a TCP host or a unix-socket directory
(``postgresql+asyncpg://postgres:@/db?host=/tmp/dir``, as the embedded server gives).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.settings import DatabaseSettings

__all__ = ["APPLICATION_NAME", "create_engine", "create_sessionmaker"]

# Shown in pg_stat_activity, so an operator can tell the gateway's connections apart.
APPLICATION_NAME = "bot-gateway"


def create_engine(db: DatabaseSettings) -> AsyncEngine:
    """A pooled async engine configured from the ``DATABASE_*`` settings."""
    return create_async_engine(
        db.url,
        pool_size=db.pool_size,
        max_overflow=db.max_overflow,
        pool_pre_ping=True,
        pool_recycle=db.pool_recycle,
        pool_timeout=db.pool_timeout,
        connect_args={
            "timeout": db.connect_timeout,
            "command_timeout": db.statement_timeout,
            "server_settings": {
                "application_name": APPLICATION_NAME,
                "statement_timeout": str(int(db.statement_timeout * 1000)),
            },
        },
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions whose objects stay readable after commit (no lazy reload in async code)."""
    return async_sessionmaker(engine, expire_on_commit=False)
