"""The gateway's PostgreSQL: async engine and sessions, table models, alembic migrations."""

from shared.db.engine import create_engine, create_sessionmaker

__all__ = ["create_engine", "create_sessionmaker"]
