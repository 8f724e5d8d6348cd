"""The migrated schema: seeded commands, constraints, server defaults, keys (real PostgreSQL).

One database migrated to head serves the module; every test works inside a transaction that is
rolled back, so the seed stays as the migration left it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from shared.db import create_engine, create_sessionmaker
from shared.db.migrate import upgrade
from shared.db.models import (
    BotCommand,
    BotMetric,
    BotMetricRollup,
    BotSession,
    InlineKeyboardCache,
)
from shared.settings import DatabaseSettings
from tests.db_support import temporary_database

# The product's command table: command -> (user status needed, active roles allowed; () = any).
EXPECTED_COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "start": ("anyone", ()),
    "help": ("anyone", ()),
    "language": ("anyone", ()),
    "cancel": ("anyone", ()),
    "menu": ("registered", ()),
    "create_request": ("approved", ("applicant",)),
    "my_requests": ("approved", ("applicant", "executor")),
    "request_status": ("approved", ()),
    "my_shifts": ("approved", ("executor",)),
    "take_shift": ("approved", ("executor",)),
    "shift_schedule": ("approved", ("executor", "manager", "admin")),
    "users": ("approved", ("manager", "admin")),
    "analytics": ("approved", ("manager", "admin")),
    "settings": ("approved", ("admin",)),
    "notifications": ("approved", ()),
}
ROLLUP_INSERT = (
    "INSERT INTO bot_metrics_rollup (period, kind, name, period_start, count, sum, min, max)"
)
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LATIN_ONLY = re.compile(r"^[A-Za-z0-9' ()\-,.]+$")


@pytest.fixture(scope="module")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    async with temporary_database(database_url) as url:
        await asyncio.to_thread(upgrade, url)
        engine = create_engine(DatabaseSettings(url=url, pool_size=2, max_overflow=0))
        try:
            yield engine
        finally:
            await engine.dispose()


@pytest.fixture
async def conn(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
async def session(conn: AsyncConnection) -> AsyncIterator[AsyncSession]:
    # Savepoints for the session's commits, so the outer transaction still rolls everything back.
    async with AsyncSession(
        bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
    ) as s:
        yield s


async def test_seeded_commands_and_their_roles(session: AsyncSession) -> None:
    rows = (await session.scalars(select(BotCommand).order_by(BotCommand.sort_order))).all()
    got = {row.command: (row.access, tuple(row.required_roles)) for row in rows}
    assert got == EXPECTED_COMMANDS
    assert [row.command for row in rows][:2] == ["start", "help"]
    assert len({row.sort_order for row in rows}) == len(rows)
    for row in rows:
        assert row.is_enabled
        assert CYRILLIC.search(row.description_ru), row.command
        assert LATIN_ONLY.match(row.description_uz), row.command
    services = {row.command: row.target_service for row in rows}
    assert services["create_request"] == "request"
    assert services["take_shift"] == "shift"
    assert services["analytics"] == "analytics"


@pytest.mark.parametrize(
    ("sql", "constraint"),
    [
        (
            "INSERT INTO bot_metrics (kind, name, value) VALUES ('latency', 'x', 1)",
            "ck_bot_metrics_kind",
        ),
        (
            "INSERT INTO bot_sessions (telegram_user_id, chat_id, language, expires_at)"
            " VALUES (1, 1, 'en', now())",
            "ck_bot_sessions_language",
        ),
        (
            f"{ROLLUP_INSERT} VALUES ('week', 'error', 'x', now(), 1, 1, 1, 1)",
            "ck_bot_metrics_rollup_period",
        ),
        (
            f"{ROLLUP_INSERT} VALUES ('hour', 'error', 'x', now(), 1, 1, 2, 1)",
            "ck_bot_metrics_rollup_aggregates",
        ),
        (
            "INSERT INTO bot_commands (command, target_service, required_roles,"
            " description_ru, description_uz) VALUES ('x', 'user', '{resident}', 'а', 'a')",
            "ck_bot_commands_required_roles",
        ),
        (
            "INSERT INTO bot_commands (command, target_service, description_ru, description_uz)"
            " VALUES ('Start', 'user', 'а', 'a')",
            "ck_bot_commands_command_format",
        ),
        (
            "INSERT INTO bot_commands (command, target_service, description_ru, description_uz)"
            " VALUES ('x', 'billing', 'а', 'a')",
            "ck_bot_commands_target_service",
        ),
        (
            "INSERT INTO inline_keyboard_cache (key, chat_id) VALUES ('', 1)",
            "ck_inline_keyboard_cache_key_length",
        ),
    ],
)
async def test_check_constraints_reject_bad_values(
    conn: AsyncConnection, sql: str, constraint: str
) -> None:
    with pytest.raises(IntegrityError, match=constraint):
        await conn.exec_driver_sql(sql)


async def test_session_defaults_and_unique_user_chat(session: AsyncSession) -> None:
    expires = datetime.now(UTC) + timedelta(days=1)
    row = BotSession(telegram_user_id=7_000_000_001, chat_id=-1_001_234_567_890, expires_at=expires)
    session.add(row)
    await session.commit()
    await session.refresh(row)
    assert row.state_data == {}
    assert row.context == {}
    assert row.is_active is True
    assert row.language is None
    assert row.created_at.tzinfo is not None
    assert row.last_activity_at == row.created_at

    row.state_data = {"draft_id": "d1", "step": 2}
    row.language = "uz"
    await session.commit()
    again = await session.scalar(
        select(BotSession.state_data).where(BotSession.telegram_user_id == 7_000_000_001)
    )
    assert again == {"draft_id": "d1", "step": 2}

    session.add(BotSession(telegram_user_id=7_000_000_001, chat_id=row.chat_id, expires_at=expires))
    with pytest.raises(IntegrityError, match="uq_bot_sessions_telegram_user_id_chat_id"):
        await session.commit()


async def test_keyboard_cache_expires_after_a_day_and_key_is_unique(
    session: AsyncSession,
) -> None:
    entry = InlineKeyboardCache(
        key="a1B2c3", chat_id=42, payload={"filters": {"status": "active"}}, entity_type="request"
    )
    session.add(entry)
    await session.commit()
    await session.refresh(entry)
    assert entry.expires_at - entry.created_at == timedelta(days=1)
    assert entry.invalidated is False
    assert entry.message_id is None

    session.add(InlineKeyboardCache(key="a1B2c3", chat_id=43))
    with pytest.raises(IntegrityError, match="uq_inline_keyboard_cache_key"):
        await session.commit()


async def test_metric_and_rollup_upsert(session: AsyncSession) -> None:
    session.add(BotMetric(kind="response_time", name="start", value=0.25, labels={"ok": True}))
    await session.commit()
    metric = await session.scalar(select(BotMetric).where(BotMetric.name == "start"))
    assert metric is not None
    assert metric.id > 0
    assert metric.occurred_at.tzinfo is not None
    assert metric.telegram_user_id is None

    hour = datetime(2025, 1, 14, 9, tzinfo=UTC)
    for value in (0.2, 0.6):
        stmt = insert(BotMetricRollup).values(
            period="hour", kind="response_time", name="start", period_start=hour,
            count=1, sum=value, min=value, max=value,
        )  # fmt: skip
        await session.execute(
            stmt.on_conflict_do_update(
                constraint="pk_bot_metrics_rollup",
                set_={
                    "count": BotMetricRollup.count + stmt.excluded.count,
                    "sum": BotMetricRollup.sum + stmt.excluded.sum,
                    "min": func.least(BotMetricRollup.min, stmt.excluded.min),
                    "max": func.greatest(BotMetricRollup.max, stmt.excluded.max),
                },
            )
        )
    rollup = (await session.execute(select(BotMetricRollup))).scalar_one()
    assert (rollup.count, rollup.min, rollup.max) == (2, 0.2, 0.6)
    assert rollup.sum == pytest.approx(0.8)


async def test_sessionmaker_keeps_objects_readable_after_commit(engine: AsyncEngine) -> None:
    factory = create_sessionmaker(engine)
    async with factory() as s:
        command = await s.scalar(select(BotCommand).where(BotCommand.command == "settings"))
        assert command is not None
        await s.commit()
        # expire_on_commit=False: no lazy reload (which async code cannot do) after commit.
        assert command.required_roles == ["admin"]
