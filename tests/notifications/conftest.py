"""Each notification test starts from the default preferences: ``notification_prefs`` lives in
the session's one database, so a mute or a ``notify`` switched off by an earlier test (here or in
another package) would otherwise silently change who hears what."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest


@pytest.fixture(autouse=True)
async def default_notification_prefs(replay_database: str) -> AsyncIterator[None]:
    conn = await asyncpg.connect(replay_database.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await conn.execute("DELETE FROM notification_prefs")
    finally:
        await conn.close()
    yield
