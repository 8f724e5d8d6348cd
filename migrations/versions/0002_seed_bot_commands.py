"""Seed the command catalogue: the bot's commands, who may use them, RU/UZ descriptions.

``access`` is the user status a command needs and ``required_roles`` the active roles allowed
(empty = any role), as in the product's command table: /start, /help, /language and /cancel for
everyone in any state, /menu for registered users, the rest for approved users by role.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 11:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# command, target service, access, required roles, RU description, UZ description
COMMANDS: tuple[tuple[str, str, str, list[str], str, str], ...] = (
    ("start", "user", "anyone", [], "Начать работу с ботом", "Bot bilan ishlashni boshlash"),
    ("help", "gateway", "anyone", [], "Справка и список команд", "Yordam va buyruqlar ro'yxati"),
    ("menu", "gateway", "registered", [], "Главное меню", "Asosiy menyu"),
    ("language", "user", "anyone", [], "Сменить язык", "Tilni o'zgartirish"),
    ("cancel", "gateway", "anyone", [], "Отменить текущее действие", "Joriy amalni bekor qilish"),
    ("create_request", "request", "approved", ["applicant"], "Создать заявку", "Ariza yaratish"),
    (
        "my_requests",
        "request",
        "approved",
        ["applicant", "executor"],
        "Мои заявки",
        "Mening arizalarim",
    ),
    (
        "request_status",
        "request",
        "approved",
        [],
        "Статус заявки по номеру",
        "Ariza holati (raqami bo'yicha)",
    ),
    ("my_shifts", "shift", "approved", ["executor"], "Мои смены", "Mening smenalarim"),
    (
        "shift_schedule",
        "shift",
        "approved",
        ["executor", "manager", "admin"],
        "График смен",
        "Smenalar jadvali",
    ),
    ("take_shift", "shift", "approved", ["executor"], "Взять смену", "Smenani olish"),
    ("users", "user", "approved", ["manager", "admin"], "Пользователи", "Foydalanuvchilar"),
    ("analytics", "analytics", "approved", ["manager", "admin"], "Аналитика", "Analitika"),
    ("settings", "gateway", "approved", ["admin"], "Настройки бота", "Bot sozlamalari"),
)

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
    op.bulk_insert(
        bot_commands,
        [
            {
                "command": command,
                "target_service": service,
                "access": access,
                "required_roles": roles,
                "description_ru": ru,
                "description_uz": uz,
                # Telegram shows commands in this order; steps of 10 leave room in between.
                "sort_order": 10 * (position + 1),
            }
            for position, (command, service, access, roles, ru, uz) in enumerate(COMMANDS)
        ],
    )


def downgrade() -> None:
    op.execute(
        bot_commands.delete().where(bot_commands.c.command.in_([row[0] for row in COMMANDS]))
    )
