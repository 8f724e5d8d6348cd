"""Per-(chat, user) session data: a Redis hash with ``REDIS_SESSION_TTL``, copied to PostgreSQL.

The hash ``<prefix>:session:<bot>:<chat>:<user>`` holds what the bot needs on every update (the
saved language) and is refreshed with each update in one pipelined round trip. PostgreSQL
``bot_sessions`` is the durable copy (language, names, last activity, active flag), written by a
:class:`~workers.bot.core.batching.BatchWriter`: one batched upsert every N changes or T seconds,
not one write per update. When the hash has expired, the saved language is read back from
``bot_sessions`` once (:meth:`SessionStore.load_language`) and cached in the hash again.

A chat that answers 403 (the user blocked the bot, or the bot left the group) has its sessions
marked inactive through the same writer, in order with the touches: a user who unblocks the bot
and writes again becomes active again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, cast

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db.models import LANGUAGES, BotSession
from shared.logs import get_logger
from workers.bot.core.batching import BatchWriter
from workers.bot.metrics.prom import SESSION_UPSERTS

__all__ = ["SessionProfile", "SessionStore"]

log = get_logger(__name__)

_NO_LANGUAGE: Final = "-"  # cached "no saved choice", so PostgreSQL is asked only once


@dataclass(frozen=True, slots=True)
class SessionProfile:
    """What Telegram tells about the sender on each update."""

    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    @property
    def known(self) -> bool:
        return bool(self.username or self.first_name or self.last_name)


@dataclass(slots=True)
class _Change:
    chat_id: int
    user_id: int | None  # None: "mark every session of this chat inactive"
    profile: SessionProfile = field(default_factory=SessionProfile)
    language: str | None = None
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def key(self) -> tuple[int, int | None]:
        return self.chat_id, self.user_id


def _merge(older: _Change, newer: _Change) -> _Change:
    """Two waiting changes of one session (or two 403s of one chat) become one."""
    profile = newer.profile if newer.profile.known else older.profile
    language = newer.language if newer.language is not None else older.language
    return _Change(newer.chat_id, newer.user_id, profile, language, newer.at)


class SessionStore:
    def __init__(
        self,
        redis: Redis,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        key_prefix: str,
        bot_id: int,
        ttl: int,
        batch_size: int,
        flush_seconds: float,
    ) -> None:
        self._redis = redis
        self._sessionmaker = sessionmaker
        self._prefix = f"{key_prefix}:session:{bot_id}"
        # Set when a notification met a 403 (workers.bot.notifications.held): writing again
        # makes the chat reachable.
        self._unreachable = f"{key_prefix}:nt:{bot_id}:unreach"
        self._ttl = ttl
        self.writer: BatchWriter[_Change] = BatchWriter(
            "bot_sessions",
            self._write,
            batch_size=batch_size,
            interval=flush_seconds,
            on_drop=lambda n: SESSION_UPSERTS.labels("dropped").inc(n),
            merge=_merge,
        )
        self._upserts: dict[frozenset[str], Any] = {}

    def key(self, chat_id: int, user_id: int) -> str:
        return f"{self._prefix}:{chat_id}:{user_id}"

    # Commands queue_touch adds (callers slice pipeline results by it).
    TOUCH_COMMANDS: Final = 4

    @property
    def ttl(self) -> int:
        return self._ttl

    def touch_keys(self, chat_id: int, user_id: int) -> tuple[str, str]:
        """The session hash and the chat's unreachable marker: what a touch writes."""
        return self.key(chat_id, user_id), f"{self._unreachable}:{chat_id}"

    def queue_touch(self, pipe: Pipeline, chat_id: int, user_id: int) -> None:
        """Add the touch's four commands to ``pipe`` (see :meth:`finish_touch`).

        :mod:`workers.bot.runtime.prefetch` does the same inside its script: keep them in step.
        """
        key, unreachable = self.touch_keys(chat_id, user_id)
        pipe.hget(key, "language")
        pipe.hset(key, "seen", str(int(time.time())))
        pipe.expire(key, self._ttl)
        pipe.delete(unreachable)

    async def finish_touch(
        self, chat_id: int, user_id: int, profile: SessionProfile, results: list[Any]
    ) -> tuple[str | None, bool]:
        """Complete a touch from its pipeline results: ``(saved language, known)``.

        ``known`` is False when the hash had expired (or is new): the durable copy has not been
        read, and :meth:`load_language` reads it. The auth step does that only for users the user
        service cannot answer for, so a registered user's first update costs no database read.
        """
        cached = results[0]
        change = _Change(chat_id, user_id, profile)
        self.writer.add(change, change.key)
        if not isinstance(cached, bytes):
            return None, False
        language = cached.decode()
        return (None if language == _NO_LANGUAGE else language), True

    async def touch(
        self, chat_id: int, user_id: int, profile: SessionProfile
    ) -> tuple[str | None, bool]:
        """Record activity; return ``(saved language, known)`` as :meth:`finish_touch` does."""
        async with self._redis.pipeline(transaction=False) as pipe:
            self.queue_touch(pipe, chat_id, user_id)
            results = await pipe.execute()
        return await self.finish_touch(chat_id, user_id, profile, results)

    async def load_language(self, chat_id: int, user_id: int) -> str | None:
        """The saved language from ``bot_sessions``, then cached in the hash (even when none).

        While the database cannot be read the answer is "none saved" (the update goes on in the
        language Telegram reports) and nothing is cached, so the next update reads it again.
        """
        try:
            language = await self._load_language(chat_id, user_id)
        except (SQLAlchemyError, OSError, TimeoutError) as exc:
            log.warning("session_language_unread", error=type(exc).__name__)
            return None
        key = self.key(chat_id, user_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, "language", language or _NO_LANGUAGE)
            pipe.expire(key, self._ttl)
            await pipe.execute()
        return language

    async def language(self, chat_id: int, user_id: int) -> str | None:
        """The saved language without recording activity (throttled updates)."""
        cached = await self._redis.hget(self.key(chat_id, user_id), "language")  # type: ignore[misc]
        if isinstance(cached, bytes):
            value = cached.decode()
            return None if value == _NO_LANGUAGE else value
        return await self.load_language(chat_id, user_id)

    async def set_language(self, chat_id: int, user_id: int, language: str) -> None:
        """Save the user's choice (the /language flow, or the profile's value on first sight)."""
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        key = self.key(chat_id, user_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, "language", language)
            pipe.expire(key, self._ttl)
            await pipe.execute()
        change = _Change(chat_id, user_id, language=language)
        self.writer.add(change, change.key)

    async def mark_chat_unreachable(self, chat_id: int | str) -> None:
        """The chat answered 403: its sessions become inactive (written with the next batch)."""
        if isinstance(chat_id, int):
            change = _Change(chat_id, None)
            self.writer.add(change, change.key)

    async def _load_language(self, chat_id: int, user_id: int) -> str | None:
        async with self._sessionmaker() as db:
            return await db.scalar(
                select(BotSession.language).where(
                    BotSession.chat_id == chat_id, BotSession.telegram_user_id == user_id
                )
            )

    async def _write(self, batch: list[_Change]) -> None:
        # A 403 marks the chat's sessions inactive; a session touched after it is active again
        # (the user unblocked the bot and wrote), one touched before it stays inactive.
        unreachable = {c.chat_id: c.at for c in batch if c.user_id is None}
        expires = datetime.now(UTC) + timedelta(seconds=self._ttl)
        rows: list[dict[str, object]] = []
        for change in batch:
            if change.user_id is None:
                continue
            blocked_at = unreachable.get(change.chat_id)
            row: dict[str, object] = {
                "telegram_user_id": change.user_id,
                "chat_id": change.chat_id,
                "language": change.language,
                "last_activity_at": change.at,
                "expires_at": expires,
                "is_active": blocked_at is None or change.at > blocked_at,
            }
            profile = change.profile
            if profile.known:
                row.update(
                    username=profile.username,
                    first_name=profile.first_name,
                    last_name=profile.last_name,
                )
            rows.append(row)
        async with self._sessionmaker() as db, db.begin():
            if unreachable:
                await db.execute(
                    update(BotSession)
                    .where(BotSession.chat_id.in_(unreachable))
                    .values(is_active=False)
                )
            if rows:
                await self._upsert(db, rows)
        SESSION_UPSERTS.labels("written").inc(len(rows))

    async def _upsert(self, db: AsyncSession, rows: list[dict[str, object]]) -> None:
        # Rows differ in which columns they carry; group them so each statement is uniform. Each
        # group is one executemany of a statement built once per column set.
        groups: dict[frozenset[str], list[dict[str, object]]] = {}
        for row in rows:
            groups.setdefault(frozenset(row), []).append(row)
        for columns, group in groups.items():
            statement = self._upserts.get(columns)
            if statement is None:
                statement = self._upserts[columns] = _upsert_statement(columns)
            await db.execute(statement, group)


def _upsert_statement(columns: frozenset[str]) -> Any:
    # Core, not the ORM: no per-row unit-of-work bookkeeping for a plain upsert.
    table = cast(Table, BotSession.__table__)
    stmt = insert(table)
    excluded = stmt.excluded
    values: dict[str, object] = {
        "last_activity_at": excluded.last_activity_at,
        "expires_at": excluded.expires_at,
        "is_active": excluded.is_active,
        # A touch without a language keeps the saved one.
        "language": func.coalesce(excluded.language, table.c.language),
    }
    for name in ("username", "first_name", "last_name"):
        if name in columns:
            values[name] = excluded[name]
    return stmt.on_conflict_do_update(index_elements=["telegram_user_id", "chat_id"], set_=values)
