"""The ``broadcasts`` and ``broadcast_recipients`` tables (``shared.db.models``).

Exactly-once-ish delivery rests on two committed writes per recipient around the Bot API call:
:meth:`BroadcastStore.claim` moves one pending row to ``sending`` (row lock with SKIP LOCKED, so
concurrent senders on any worker never take the same row) and commits *before* the call;
:meth:`BroadcastStore.mark` records the result after it. A row leaves ``pending`` once, so nobody is
sent a broadcast twice. The residual window is the call itself: when a sender dies between the
two writes the recipient may or may not have received the message; once that sender is known dead
(:meth:`settle_dead`) the row becomes ``unconfirmed`` and is never sent again (counted as not
delivered on the card).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db.models import RECIPIENT_STATES
from workers.bot.core.broadcast.message import Counts

__all__ = ["BroadcastRow", "BroadcastStore", "Claim"]

PENDING, SENDING = RECIPIENT_STATES["pending"], RECIPIENT_STATES["sending"]
UNCONFIRMED = RECIPIENT_STATES["unconfirmed"]
_STATE_NAMES = {v: k for k, v in RECIPIENT_STATES.items()}
_INSERT_CHUNK = 5000

_CREATE = text(
    """
    INSERT INTO broadcasts (origin, created_by_user_id, chat_id, locale, audience, text, photo,
                            total)
    VALUES (:origin, :user_id, :chat_id, :locale, CAST(:audience AS jsonb), :text, :photo, :total)
    ON CONFLICT (origin) DO NOTHING
    RETURNING id
    """
)
_ADD_RECIPIENTS = text(
    """
    INSERT INTO broadcast_recipients (broadcast_id, seq, telegram_id)
    SELECT :id, s.seq, s.tg
    FROM unnest(CAST(:seqs AS integer[]), CAST(:tgs AS bigint[])) AS s(seq, tg)
    """
)
# The next pending recipient after ``after`` (the sender's own cursor: rows only ever leave
# ``pending`` in seq order, except a 429's release, which the sender catches with after = -1).
_CLAIM = text(
    """
    UPDATE broadcast_recipients AS r SET state = 1, claimed_by = :runner
    FROM (
        SELECT broadcast_id, seq FROM broadcast_recipients
        WHERE broadcast_id = :id AND state = 0 AND seq > :after
          AND EXISTS (SELECT 1 FROM broadcasts WHERE id = :id AND status = 'sending')
        ORDER BY seq LIMIT 1
        FOR UPDATE SKIP LOCKED
    ) AS next
    WHERE r.broadcast_id = next.broadcast_id AND r.seq = next.seq
    RETURNING r.seq, r.telegram_id
    """
)
_MARK = text(
    """
    UPDATE broadcast_recipients SET state = :state, done_at = now()
    WHERE broadcast_id = :id AND seq = :seq AND state IN (1, 5)
    """
)
_RELEASE = text(
    """
    UPDATE broadcast_recipients SET state = 0, claimed_by = NULL
    WHERE broadcast_id = :id AND seq = :seq AND state = 1
    """
)
_COUNTS = text(
    "SELECT state, count(*) FROM broadcast_recipients WHERE broadcast_id = :id GROUP BY state"
)
_SETTLE = text(
    """
    UPDATE broadcast_recipients SET state = 5, done_at = now()
    WHERE broadcast_id = :id AND state = 1
      AND (claimed_by IS NULL OR NOT (claimed_by = ANY(CAST(:live AS text[]))))
    """
)
_ROW = "id, chat_id, locale, text, photo, status, total, card_message_id, created_at, finished_at"
_GET = text(f"SELECT {_ROW} FROM broadcasts WHERE id = :id")  # noqa: S608 - constant columns
_UNFINISHED = text(
    f"SELECT {_ROW} FROM broadcasts WHERE finished_at IS NULL ORDER BY id"  # noqa: S608
)


@dataclass(frozen=True, slots=True)
class BroadcastRow:
    id: int
    chat_id: int
    locale: str
    text: str
    photo: str | None
    status: str
    total: int
    card_message_id: int | None
    created_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class Claim:
    seq: int
    telegram_id: int


def _row(values: Any) -> BroadcastRow:
    return BroadcastRow(*values)


class BroadcastStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create(
        self,
        *,
        origin: str,
        user_id: int,
        chat_id: int,
        locale: str,
        audience: dict[str, Any],
        body: str,
        photo: str | None,
        recipients: Sequence[int],
    ) -> tuple[int, bool]:
        """``(id, created)``; a second call with the same ``origin`` returns the first's id."""
        async with self._engine.begin() as conn:
            created = (
                await conn.execute(
                    _CREATE,
                    {
                        "origin": origin,
                        "user_id": user_id,
                        "chat_id": chat_id,
                        "locale": locale,
                        "audience": json.dumps(audience),
                        "text": body,
                        "photo": photo,
                        "total": len(recipients),
                    },
                )
            ).scalar()
            if created is None:
                found = await conn.execute(
                    text("SELECT id FROM broadcasts WHERE origin = :origin"), {"origin": origin}
                )
                return int(found.scalar_one()), False
            for start in range(0, len(recipients), _INSERT_CHUNK):
                chunk = recipients[start : start + _INSERT_CHUNK]
                await conn.execute(
                    _ADD_RECIPIENTS,
                    {
                        "id": created,
                        "seqs": list(range(start, start + len(chunk))),
                        "tgs": list(chunk),
                    },
                )
            return int(created), True

    async def get(self, broadcast_id: int) -> BroadcastRow | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(_GET, {"id": broadcast_id})).first()
        return None if row is None else _row(row)

    async def unfinished(self) -> list[BroadcastRow]:
        async with self._engine.connect() as conn:
            rows = await conn.execute(_UNFINISHED)
            return [_row(r) for r in rows]

    async def set_card(self, broadcast_id: int, message_id: int) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                text("UPDATE broadcasts SET card_message_id = :m WHERE id = :id"),
                {"id": broadcast_id, "m": message_id},
            )

    async def claim(self, broadcast_id: int, runner: str, after: int = -1) -> Claim | None:
        """Take the next pending recipient (committed before the send), or None when there is
        none left or the broadcast is no longer sending (cancelled)."""
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(_CLAIM, {"id": broadcast_id, "runner": runner, "after": after})
            ).first()
        return None if row is None else Claim(int(row[0]), int(row[1]))

    async def mark(self, broadcast_id: int, seq: int, state: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                _MARK, {"id": broadcast_id, "seq": seq, "state": RECIPIENT_STATES[state]}
            )

    async def release(self, broadcast_id: int, seq: int) -> None:
        """Back to pending: the call was refused before Telegram took the message (429)."""
        async with self._engine.begin() as conn:
            await conn.execute(_RELEASE, {"id": broadcast_id, "seq": seq})

    async def counts(self, broadcast_id: int) -> Counts:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(_COUNTS, {"id": broadcast_id})).all()
        return Counts(**{_STATE_NAMES[int(state)]: int(n) for state, n in rows})

    async def cancel(self, broadcast_id: int, user_id: int | None = None) -> bool:
        """Stop a sending broadcast: claims see it at once (each claim checks the status)."""
        query = "UPDATE broadcasts SET status = 'cancelled' WHERE id = :id AND status = 'sending'"
        params: dict[str, Any] = {"id": broadcast_id}
        if user_id is not None:
            query += " AND created_by_user_id = :user"
            params["user"] = user_id
        async with self._engine.begin() as conn:
            return (await conn.execute(text(query + " RETURNING id"), params)).first() is not None

    async def settle_dead(self, broadcast_id: int, live: Sequence[str]) -> int:
        """Claims of senders not in ``live`` become ``unconfirmed`` (never sent again)."""
        async with self._engine.begin() as conn:
            result = await conn.execute(_SETTLE, {"id": broadcast_id, "live": list(live)})
        return int(getattr(result, "rowcount", 0) or 0)

    async def finish(self, broadcast_id: int, counts: Counts) -> str | None:
        """Write the totals and close the broadcast once; its final status, or None when another
        sender closed it first."""
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    text(
                        """
                        UPDATE broadcasts
                        SET finished_at = now(),
                            status = CASE WHEN status = 'sending' THEN 'done' ELSE status END,
                            sent = :sent, failed = :failed, blocked = :blocked
                        WHERE id = :id AND finished_at IS NULL
                        RETURNING status
                        """
                    ),
                    {
                        "id": broadcast_id,
                        "sent": counts.sent,
                        "failed": counts.not_delivered,
                        "blocked": counts.blocked,
                    },
                )
            ).first()
        return None if row is None else str(row[0])

    async def progress(self) -> dict[str, int]:
        """Recipients by state over every unfinished broadcast (the progress gauges)."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        """
                        SELECT r.state, count(*) FROM broadcast_recipients r
                        JOIN broadcasts b ON b.id = r.broadcast_id
                        WHERE b.finished_at IS NULL GROUP BY r.state
                        """
                    )
                )
            ).all()
        out = dict.fromkeys(RECIPIENT_STATES, 0)
        for state, n in rows:
            out[_STATE_NAMES[int(state)]] = int(n)
        return out
