"""Notification preferences of users (table ``notification_prefs``), shared by the
``/notifications`` feature (writes) and the notification runtime (reads)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db.models import NotificationPrefs

__all__ = ["NotifyPrefs", "PrefsStore"]


@dataclass(frozen=True, slots=True)
class NotifyPrefs:
    digests_muted: bool = False
    manager_notify: bool = True


class PrefsStore:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    async def get(self, user_id: int) -> NotifyPrefs:
        return (await self.get_many([user_id]))[user_id]

    async def get_many(self, user_ids: Iterable[int]) -> dict[int, NotifyPrefs]:
        ids = sorted(set(user_ids))
        found = {i: NotifyPrefs() for i in ids}
        if not ids:
            return found
        async with self._sessionmaker() as db:
            rows = await db.execute(
                select(
                    NotificationPrefs.user_id,
                    NotificationPrefs.digests_muted,
                    NotificationPrefs.manager_notify,
                ).where(NotificationPrefs.user_id.in_(ids))
            )
            for user_id, muted, notify in rows:
                found[user_id] = NotifyPrefs(bool(muted), bool(notify))
        return found

    async def set(
        self,
        user_id: int,
        *,
        digests_muted: bool | None = None,
        manager_notify: bool | None = None,
    ) -> NotifyPrefs:
        current = await self.get(user_id)
        new = NotifyPrefs(
            current.digests_muted if digests_muted is None else digests_muted,
            current.manager_notify if manager_notify is None else manager_notify,
        )
        stmt = insert(NotificationPrefs).values(
            user_id=user_id, digests_muted=new.digests_muted, manager_notify=new.manager_notify
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id"],
            set_={
                "digests_muted": stmt.excluded.digests_muted,
                "manager_notify": stmt.excluded.manager_notify,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        async with self._sessionmaker() as db, db.begin():
            await db.execute(stmt)
        return new
