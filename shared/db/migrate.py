"""Run the alembic migrations from code, with no ``alembic.ini`` needed at run time.

The ``migrations`` directory ships next to the ``shared`` package (in a checkout, an editable
install and a wheel alike), so it is found relative to this file. The URL travels to ``env.py``
in ``Config.attributes`` rather than as an ini option, where ``%`` in an encoded password would be
taken for interpolation.

These functions are synchronous: ``env.py`` runs the async engine with ``asyncio.run``. From async
code call them through ``asyncio.to_thread``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from shared.logs import get_logger
from shared.settings import mask_url

__all__ = ["MIGRATIONS_DIR", "alembic_config", "downgrade", "upgrade"]

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"

log = get_logger(__name__)


def _asyncpg_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if sep and scheme in ("postgresql", "postgres"):
        return f"postgresql+asyncpg://{rest}"
    return url


def alembic_config(database_url: str) -> Config:
    """An alembic ``Config`` for the gateway's migrations against ``database_url``."""
    if not (MIGRATIONS_DIR / "env.py").is_file():
        raise FileNotFoundError(f"alembic migrations not found at {MIGRATIONS_DIR}")
    cfg = Config()
    # Ini values are interpolated: a literal % in the path must be doubled.
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["database_url"] = _asyncpg_url(database_url)
    return cfg


def _no_running_loop() -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError("migrations run their own event loop: call them via asyncio.to_thread")


def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the latest)."""
    _no_running_loop()
    command.upgrade(alembic_config(database_url), revision)
    log.info("db_upgraded", revision=revision, database=mask_url(database_url))


def downgrade(database_url: str, revision: str) -> None:
    """Downgrade the database to ``revision`` (``base`` removes every gateway table)."""
    _no_running_loop()
    command.downgrade(alembic_config(database_url), revision)
    log.info("db_downgraded", revision=revision, database=mask_url(database_url))
