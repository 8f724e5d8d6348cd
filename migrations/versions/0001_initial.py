"""Initial schema: sessions, command catalogue, keyboard cache, metrics and rollups.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 11:30:09.335568
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bot_commands",
        sa.Column("id", sa.Integer(), sa.Identity(always=True), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("target_service", sa.Text(), nullable=False),
        sa.Column("access", sa.Text(), server_default="approved", nullable=False),
        sa.Column(
            "required_roles",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("description_ru", sa.Text(), nullable=False),
        sa.Column("description_uz", sa.Text(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("sort_order", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "access IN ('anyone', 'registered', 'approved')", name=op.f("ck_bot_commands_access")
        ),
        sa.CheckConstraint(
            "command ~ '^[a-z0-9_]{1,32}$'", name=op.f("ck_bot_commands_command_format")
        ),
        sa.CheckConstraint(
            "required_roles <@ ARRAY['applicant', 'executor', 'manager', 'admin']::text[]",
            name=op.f("ck_bot_commands_required_roles"),
        ),
        sa.CheckConstraint(
            "target_service IN ('gateway', 'auth', 'user', 'request', 'shift', 'analytics')",
            name=op.f("ck_bot_commands_target_service"),
        ),
        sa.CheckConstraint(
            "char_length(description_ru) BETWEEN 1 AND 256",
            name=op.f("ck_bot_commands_description_ru"),
        ),
        sa.CheckConstraint(
            "char_length(description_uz) BETWEEN 1 AND 256",
            name=op.f("ck_bot_commands_description_uz"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_commands")),
        sa.UniqueConstraint("command", name=op.f("uq_bot_commands_command")),
    )
    op.create_table(
        "bot_metrics",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column(
            "labels",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('command_usage', 'response_time', 'error', 'user_action')",
            name=op.f("ck_bot_metrics_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_metrics")),
    )
    op.create_index(
        "ix_bot_metrics_kind_name_occurred_at",
        "bot_metrics",
        ["kind", "name", "occurred_at"],
        unique=False,
    )
    op.create_index(
        "ix_bot_metrics_occurred_at_brin",
        "bot_metrics",
        ["occurred_at"],
        unique=False,
        postgresql_using="brin",
    )
    op.create_table(
        "bot_metrics_rollup",
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("sum", sa.Double(), nullable=False),
        sa.Column("min", sa.Double(), nullable=False),
        sa.Column("max", sa.Double(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('command_usage', 'response_time', 'error', 'user_action')",
            name=op.f("ck_bot_metrics_rollup_kind"),
        ),
        sa.CheckConstraint("period IN ('hour', 'day')", name=op.f("ck_bot_metrics_rollup_period")),
        sa.CheckConstraint(
            'count >= 1 AND "min" <= "max"', name=op.f("ck_bot_metrics_rollup_aggregates")
        ),
        sa.PrimaryKeyConstraint(
            "period", "kind", "name", "period_start", name=op.f("pk_bot_metrics_rollup")
        ),
    )
    op.create_table(
        "bot_sessions",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column(
            "state_data",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "context",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("language", sa.Text(), nullable=True),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_activity_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.CheckConstraint("language IN ('ru', 'uz')", name=op.f("ck_bot_sessions_language")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_sessions")),
        sa.UniqueConstraint(
            "telegram_user_id", "chat_id", name=op.f("uq_bot_sessions_telegram_user_id_chat_id")
        ),
    )
    op.create_index(
        "ix_bot_sessions_active_last_activity_at",
        "bot_sessions",
        ["last_activity_at"],
        unique=False,
        postgresql_where=sa.text("is_active"),
    )
    op.create_index("ix_bot_sessions_expires_at", "bot_sessions", ["expires_at"], unique=False)
    op.create_table(
        "inline_keyboard_cache",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "payload",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("entity_type", sa.Text(), nullable=True),
        sa.Column("entity_id", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "expires_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now() + interval '1 day'"),
            nullable=False,
        ),
        sa.Column("invalidated", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.CheckConstraint(
            "char_length(key) BETWEEN 1 AND 32", name=op.f("ck_inline_keyboard_cache_key_length")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inline_keyboard_cache")),
        sa.UniqueConstraint("key", name=op.f("uq_inline_keyboard_cache_key")),
    )
    op.create_index(
        "ix_inline_keyboard_cache_chat_id_message_id",
        "inline_keyboard_cache",
        ["chat_id", "message_id"],
        unique=False,
    )
    op.create_index(
        "ix_inline_keyboard_cache_entity_type_entity_id",
        "inline_keyboard_cache",
        ["entity_type", "entity_id"],
        unique=False,
    )
    op.create_index(
        "ix_inline_keyboard_cache_expires_at", "inline_keyboard_cache", ["expires_at"], unique=False
    )


def downgrade() -> None:
    # Dropping a table drops its indexes and constraints with it.
    for table in (
        "inline_keyboard_cache",
        "bot_sessions",
        "bot_metrics_rollup",
        "bot_metrics",
        "bot_commands",
    ):
        op.drop_table(table)
