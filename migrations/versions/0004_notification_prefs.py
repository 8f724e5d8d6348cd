"""Notification preferences (``/notifications``, the managers' ``notify`` flag) and the
``/notifications`` command in the catalogue.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 12:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The command this revision adds to the catalogue.
COMMAND = "notifications"

bot_commands = sa.table(
    "bot_commands",
    sa.column("command", sa.Text()),
    sa.column("target_service", sa.Text()),
    sa.column("access", sa.Text()),
    sa.column("required_roles", postgresql.ARRAY(sa.Text())),
    sa.column("description_ru", sa.Text()),
    sa.column("description_uz", sa.Text()),
    sa.column("sort_order", sa.SmallInteger()),
)


def upgrade() -> None:
    op.create_table(
        "notification_prefs",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("digests_muted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("manager_notify", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_prefs")),
    )
    op.bulk_insert(
        bot_commands,
        [
            {
                "command": COMMAND,
                "target_service": "gateway",
                "access": "approved",
                "required_roles": [],
                "description_ru": "Настройки уведомлений",
                "description_uz": "Bildirishnoma sozlamalari",
                "sort_order": 25,
            }
        ],
    )


def downgrade() -> None:
    op.execute(bot_commands.delete().where(bot_commands.c.command == COMMAND))
    op.drop_table("notification_prefs")
