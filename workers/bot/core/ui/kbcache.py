"""Context too big for a button's 64 bytes, kept in ``inline_keyboard_cache`` for 24 hours.

A keyboard whose buttons need more than fits (long filter combinations, search text, lists of
ids) stores its items in one row and gives each button ``kc:<key>:<i>``: ``key`` is a random
12-character token of the row, ``i`` the item's index. A press resolves the token back to the
item; an expired row, an invalidated one, another chat's or an index out of range is stale
(answer it with :func:`~workers.bot.core.ui.answer_stale`).

Lifecycle: :meth:`KeyboardCache.store` before sending (the message id is not known yet), then
:meth:`~KeyboardCache.attach` the sent message's id; when the message is edited with a new
keyboard, :meth:`~KeyboardCache.replace` invalidates its old rows and stores the new ones in one
transaction. :meth:`~KeyboardCache.purge_expired` deletes old rows (run from a periodic job).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Final

from aiogram.filters.callback_data import CallbackData
from pydantic import Field
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db.models import InlineKeyboardCache
from shared.logs import get_logger

__all__ = ["CachedChoice", "CachedKeyboard", "KeyboardCache", "KeyboardCacheCB"]

log = get_logger(__name__)

DEFAULT_TTL: Final = dt.timedelta(hours=24)


class KeyboardCacheCB(CallbackData, prefix="kc"):
    """``kc:<key>:<i>``: item ``i`` of the cached keyboard ``key``."""

    key: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,16}$")]
    i: Annotated[int, Field(ge=0, le=10_000)]


@dataclass(frozen=True, slots=True)
class CachedKeyboard:
    """A stored keyboard: build its buttons' callback data with :meth:`button`."""

    id: int
    key: str

    def button(self, index: int) -> str:
        return KeyboardCacheCB(key=self.key, i=index).pack()


@dataclass(frozen=True, slots=True)
class CachedChoice:
    """What a pressed ``kc:`` button stands for."""

    id: int
    key: str
    index: int
    item: Any
    context: dict[str, Any] = field(default_factory=dict)
    entity_type: str | None = None
    entity_id: str | None = None
    message_id: int | None = None


def _new_key() -> str:
    return secrets.token_urlsafe(9)  # 12 characters of [A-Za-z0-9_-], never ":"


class KeyboardCache:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, ttl: dt.timedelta = DEFAULT_TTL
    ) -> None:
        self._sessionmaker = sessionmaker
        self._ttl = ttl

    async def store(
        self,
        chat_id: int,
        items: Sequence[Any],
        *,
        context: Mapping[str, Any] | None = None,
        entity_type: str | None = None,
        entity_id: str | int | None = None,
        message_id: int | None = None,
    ) -> CachedKeyboard:
        """Keep ``items`` (JSON values) and ``context`` for the keyboard about to be sent."""
        async with self._sessionmaker() as db, db.begin():
            return await self._insert(
                db, chat_id, items, context, entity_type, entity_id, message_id
            )

    async def replace(
        self,
        chat_id: int,
        message_id: int,
        items: Sequence[Any],
        *,
        context: Mapping[str, Any] | None = None,
        entity_type: str | None = None,
        entity_id: str | int | None = None,
    ) -> CachedKeyboard:
        """Invalidate the rows of ``message_id`` and store the keyboard that replaces them."""
        async with self._sessionmaker() as db, db.begin():
            await self._invalidate(db, chat_id, message_id)
            return await self._insert(
                db, chat_id, items, context, entity_type, entity_id, message_id
            )

    async def attach(self, entry: CachedKeyboard, message_id: int) -> None:
        """Record the message that carries ``entry`` (after sending it)."""
        async with self._sessionmaker() as db, db.begin():
            await db.execute(
                update(InlineKeyboardCache)
                .where(InlineKeyboardCache.id == entry.id)
                .values(message_id=message_id)
            )

    async def resolve(self, data: str | KeyboardCacheCB, chat_id: int) -> CachedChoice | None:
        """The item a ``kc:`` button stands for, or ``None`` when the button is stale."""
        if isinstance(data, str):
            try:
                data = KeyboardCacheCB.unpack(data)
            except (TypeError, ValueError):
                return None
        async with self._sessionmaker() as db:
            row = await db.scalar(
                select(InlineKeyboardCache).where(InlineKeyboardCache.key == data.key)
            )
        if row is None or row.chat_id != chat_id or row.invalidated:
            return None
        if row.expires_at <= dt.datetime.now(dt.UTC):
            return None
        items = row.payload.get("items")
        if not isinstance(items, list) or not 0 <= data.i < len(items):
            return None
        context = row.payload.get("context")
        return CachedChoice(
            id=row.id,
            key=row.key,
            index=data.i,
            item=items[data.i],
            context=context if isinstance(context, dict) else {},
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            message_id=row.message_id,
        )

    async def invalidate_message(self, chat_id: int, message_id: int) -> int:
        """Mark the rows of a replaced (or deleted) message stale; returns how many."""
        async with self._sessionmaker() as db, db.begin():
            return await self._invalidate(db, chat_id, message_id)

    async def purge_expired(self, now: dt.datetime | None = None) -> int:
        """Delete expired rows; returns how many."""
        moment = now or dt.datetime.now(dt.UTC)
        async with self._sessionmaker() as db, db.begin():
            result = await db.execute(
                delete(InlineKeyboardCache).where(InlineKeyboardCache.expires_at <= moment)
            )
        count = int(getattr(result, "rowcount", 0) or 0)
        if count:
            log.info("keyboard_cache_purged", rows=count)
        return count

    async def _insert(
        self,
        db: AsyncSession,
        chat_id: int,
        items: Sequence[Any],
        context: Mapping[str, Any] | None,
        entity_type: str | None,
        entity_id: str | int | None,
        message_id: int | None,
    ) -> CachedKeyboard:
        row = InlineKeyboardCache(
            key=_new_key(),
            chat_id=chat_id,
            message_id=message_id,
            payload={"items": list(items), "context": dict(context or {})},
            entity_type=entity_type,
            entity_id=None if entity_id is None else str(entity_id),
            expires_at=dt.datetime.now(dt.UTC) + self._ttl,
        )
        db.add(row)
        await db.flush()
        return CachedKeyboard(id=row.id, key=row.key)

    async def _invalidate(self, db: AsyncSession, chat_id: int, message_id: int) -> int:
        result = await db.execute(
            update(InlineKeyboardCache)
            .where(
                InlineKeyboardCache.chat_id == chat_id,
                InlineKeyboardCache.message_id == message_id,
                InlineKeyboardCache.invalidated.is_(False),
            )
            .values(invalidated=True)
        )
        return int(getattr(result, "rowcount", 0) or 0)
