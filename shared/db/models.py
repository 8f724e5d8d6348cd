"""The gateway's own tables (everything else lives in the downstream services).

- ``bot_sessions``: one row per (Telegram user, chat); the FSM state and data snapshot, the chat
  context and the cached profile bits the bot shows. The live FSM is in Redis; this is the durable
  copy, swept by ``expires_at``.
- ``bot_commands``: the command catalogue behind ``setMyCommands`` and ``/help``: who may use each
  command (``access`` for the user's status, ``required_roles`` for the active role; empty = any
  role) and which service answers it.
- ``inline_keyboard_cache``: context that does not fit into 64 bytes of callback data. A button
  carries ``kc:<key>:<i>``; rows expire after a day and are invalidated when their message is
  replaced.
- ``broadcasts`` and ``broadcast_recipients``: a manager's message to an audience, who sent it
  when, the text, the totals, and one row per recipient whose ``state`` moves pending → sending →
  sent | failed | blocked | unconfirmed. ``sending`` is written (committed) before the Bot API call
  and the result after it, so a recipient is sent to at most once across crashes and deploys.
- ``notification_prefs``: per user (the user service's id): digests muted (``/notifications``),
  and the managers' ``notify`` flag.
- ``bot_metrics``: raw events (command usage, response times, errors, user actions), pruned by age.
- ``bot_metrics_rollup``: hourly and daily aggregates (count, sum, min, max) per kind and name.
  They are a separate table rather than a view over ``bot_metrics`` because raw rows are pruned
  after a short retention while the aggregates are kept for reporting; a rollup row is upserted on
  its primary key ``(period, kind, name, period_start)``. ``period_start`` is the start of a UTC
  hour, or of a business day in Asia/Tashkent (UTC+5, no DST) for ``day``.

Enumerations are ``text`` with check constraints rather than PostgreSQL enum types, so adding a
value is a one-line constraint change instead of an ``ALTER TYPE``. Every constraint and index is
named by :data:`NAMING_CONVENTION` or explicitly, so alembic autogenerate stays stable.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Double,
    Identity,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "BROADCAST_STATUSES",
    "COMMAND_ACCESS",
    "LANGUAGES",
    "METRIC_KINDS",
    "NAMING_CONVENTION",
    "RECIPIENT_STATES",
    "ROLES",
    "ROLLUP_PERIODS",
    "TARGET_SERVICES",
    "Base",
    "BotCommand",
    "BotMetric",
    "BotMetricRollup",
    "BotSession",
    "Broadcast",
    "BroadcastRecipient",
    "CommandAccess",
    "InlineKeyboardCache",
    "Language",
    "MetricKind",
    "NotificationPrefs",
    "Role",
    "RollupPeriod",
    "TargetService",
]

Language = Literal["ru", "uz"]
Role = Literal["applicant", "executor", "manager", "admin"]
MetricKind = Literal["command_usage", "response_time", "error", "user_action"]
RollupPeriod = Literal["hour", "day"]
TargetService = Literal["gateway", "auth", "user", "request", "shift", "analytics"]
# The user status a command needs: anyone (even unregistered), a registered user (pending too),
# or an approved user.
CommandAccess = Literal["anyone", "registered", "approved"]
BroadcastStatus = Literal["sending", "cancelled", "done"]

LANGUAGES: Final[tuple[Language, ...]] = ("ru", "uz")
METRIC_KINDS: Final[tuple[MetricKind, ...]] = (
    "command_usage",
    "response_time",
    "error",
    "user_action",
)
ROLLUP_PERIODS: Final[tuple[RollupPeriod, ...]] = ("hour", "day")
TARGET_SERVICES: Final[tuple[TargetService, ...]] = (
    "gateway",
    "auth",
    "user",
    "request",
    "shift",
    "analytics",
)
COMMAND_ACCESS: Final[tuple[CommandAccess, ...]] = ("anyone", "registered", "approved")
ROLES: Final[tuple[Role, ...]] = ("applicant", "executor", "manager", "admin")
BROADCAST_STATUSES: Final[tuple[BroadcastStatus, ...]] = ("sending", "cancelled", "done")
# broadcast_recipients.state: 0 pending, 1 sending (claimed, Bot API call under way), 2 sent,
# 3 failed, 4 blocked (403), 5 unconfirmed (its sender died during the call: maybe delivered).
RECIPIENT_STATES: Final[dict[str, int]] = {
    "pending": 0,
    "sending": 1,
    "sent": 2,
    "failed": 3,
    "blocked": 4,
    "unconfirmed": 5,
}

NAMING_CONVENTION: Final[dict[str, str]] = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


EMPTY_JSONB: Final = text("'{}'::jsonb")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class BotSession(Base):
    __tablename__ = "bot_sessions"
    __table_args__ = (
        UniqueConstraint("telegram_user_id", "chat_id"),
        CheckConstraint(_in("language", LANGUAGES), name="language"),
        # The expiry sweep: WHERE expires_at < now().
        Index("ix_bot_sessions_expires_at", "expires_at"),
        # "Active sessions by last activity" reads only active rows, so the index holds only them.
        Index(
            "ix_bot_sessions_active_last_activity_at",
            "last_activity_at",
            postgresql_where=text("is_active"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str | None] = mapped_column(Text)
    state_data: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSONB)
    context: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSONB)
    # NULL = not chosen yet, so the locale falls through to Telegram's language_code.
    language: Mapped[Language | None] = mapped_column(Text)
    username: Mapped[str | None] = mapped_column(Text)
    first_name: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_activity_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=true())


class BotCommand(Base):
    __tablename__ = "bot_commands"
    __table_args__ = (
        UniqueConstraint("command"),
        # Telegram's rules for BotCommand: 1-32 of a-z 0-9 _, description 1-256 characters.
        CheckConstraint(r"command ~ '^[a-z0-9_]{1,32}$'", name="command_format"),
        CheckConstraint(_in("target_service", TARGET_SERVICES), name="target_service"),
        CheckConstraint(_in("access", COMMAND_ACCESS), name="access"),
        CheckConstraint(
            f"required_roles <@ ARRAY[{', '.join(repr(r) for r in ROLES)}]::text[]",
            name="required_roles",
        ),
        CheckConstraint("char_length(description_ru) BETWEEN 1 AND 256", name="description_ru"),
        CheckConstraint("char_length(description_uz) BETWEEN 1 AND 256", name="description_uz"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(always=True), primary_key=True)
    command: Mapped[str] = mapped_column(Text)
    target_service: Mapped[TargetService] = mapped_column(Text)
    access: Mapped[CommandAccess] = mapped_column(Text, server_default="approved")
    required_roles: Mapped[list[str]] = mapped_column(
        ARRAY(Text), server_default=text("'{}'::text[]")
    )
    description_ru: Mapped[str] = mapped_column(Text)
    description_uz: Mapped[str] = mapped_column(Text)
    is_enabled: Mapped[bool] = mapped_column(Boolean, server_default=true())
    sort_order: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class InlineKeyboardCache(Base):
    __tablename__ = "inline_keyboard_cache"
    __table_args__ = (
        # The unique constraint's index serves the lookup by key.
        UniqueConstraint("key"),
        CheckConstraint("char_length(key) BETWEEN 1 AND 32", name="key_length"),
        Index("ix_inline_keyboard_cache_chat_id_message_id", "chat_id", "message_id"),
        Index("ix_inline_keyboard_cache_entity_type_entity_id", "entity_type", "entity_id"),
        Index("ix_inline_keyboard_cache_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    key: Mapped[str] = mapped_column(Text)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # NULL until the message carrying the keyboard has been sent.
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSONB)
    # Text, since request numbers ("250114-007") are ids as well as integers.
    entity_type: Mapped[str | None] = mapped_column(Text)
    entity_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now() + interval '1 day'")
    )
    invalidated: Mapped[bool] = mapped_column(Boolean, server_default=false())


class BotMetric(Base):
    __tablename__ = "bot_metrics"
    __table_args__ = (
        CheckConstraint(_in("kind", METRIC_KINDS), name="kind"),
        Index("ix_bot_metrics_kind_name_occurred_at", "kind", "name", "occurred_at"),
        # Rows arrive in time order, so a BRIN index makes retention pruning by age cheap at a
        # fraction of a btree's size.
        Index("ix_bot_metrics_occurred_at_brin", "occurred_at", postgresql_using="brin"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    kind: Mapped[MetricKind] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    value: Mapped[float] = mapped_column(Double)
    labels: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSONB)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class BotMetricRollup(Base):
    __tablename__ = "bot_metrics_rollup"
    __table_args__ = (
        CheckConstraint(_in("period", ROLLUP_PERIODS), name="period"),
        CheckConstraint(_in("kind", METRIC_KINDS), name="kind"),
        CheckConstraint('count >= 1 AND "min" <= "max"', name="aggregates"),
    )

    # Key order serves "one metric over a time range": WHERE period, kind, name, period_start >=.
    period: Mapped[RollupPeriod] = mapped_column(Text, primary_key=True)
    kind: Mapped[MetricKind] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    period_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    sum: Mapped[float] = mapped_column(Double)
    min: Mapped[float] = mapped_column(Double)
    max: Mapped[float] = mapped_column(Double)


class Broadcast(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (
        CheckConstraint(_in("status", BROADCAST_STATUSES), name="status"),
        # A confirm retried by the pipeline finds the broadcast it already created.
        UniqueConstraint("origin"),
        Index(
            "ix_broadcasts_unfinished",
            "id",
            postgresql_where=text("finished_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    origin: Mapped[str] = mapped_column(Text)
    created_by_user_id: Mapped[int] = mapped_column(BigInteger)
    # The sender's chat: where the progress card lives.
    chat_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(Text, server_default="ru")
    audience: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=EMPTY_JSONB)
    # HTML (the composer's formatting kept), what recipients get; photo: a Telegram file_id.
    text: Mapped[str] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(Text)
    status: Mapped[BroadcastStatus] = mapped_column(Text, server_default="sending")
    total: Mapped[int] = mapped_column(Integer, server_default="0")
    sent: Mapped[int] = mapped_column(Integer, server_default="0")
    failed: Mapped[int] = mapped_column(Integer, server_default="0")
    blocked: Mapped[int] = mapped_column(Integer, server_default="0")
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class BroadcastRecipient(Base):
    __tablename__ = "broadcast_recipients"
    __table_args__ = (
        CheckConstraint("state BETWEEN 0 AND 5", name="state"),
        # Claims take the next pending recipient in seq order.
        Index(
            "ix_broadcast_recipients_pending",
            "broadcast_id",
            "seq",
            postgresql_where=text("state = 0"),
        ),
    )

    broadcast_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    # The sender job that claimed it: a claim of a dead sender is known to be unconfirmed.
    claimed_by: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotificationPrefs(Base):
    """What one user (the user service's id) wants to hear: ``/notifications`` and the managers'
    ``notify`` flag. No row means the defaults: digests on, manager notices on."""

    __tablename__ = "notification_prefs"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # Pool messages and manager digests (the non-essential kinds) muted.
    digests_muted: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # Managers: new requests, done and returned requests, comments (domain.md §5 "notify").
    manager_notify: Mapped[bool] = mapped_column(Boolean, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
