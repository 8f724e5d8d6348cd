"""The dead-letter queue: updates that used up their attempts (or failed permanently).

One Redis stream per bot (``<prefix>:tg:<bot>:dlq``), written by the drain scripts in the same
atomic step that removes the update from its chat's inbox, so an update is always in exactly one
place.  Entries are never trimmed automatically: an operator lists, inspects, requeues or purges
them.  Requeue puts the update back at the **tail** of its chat (behind everything pending now,
never in front of the update being handled) and removes the entry in the same atomic step; its
place in the chat's original order is gone for good, which is the point of dead-lettering.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from shared.pipeline.scripts import PipelineScripts

__all__ = ["DeadLetter", "count", "get", "list_entries", "purge", "requeue"]


def _s(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    entry_id: str
    ordering_key: str
    update_id: int
    attempts: int
    error: str
    ts_ms: int
    payload: bytes

    def summary(self) -> dict[str, Any]:
        """Everything but the payload (which may hold personal data): for listings."""
        return {
            "id": self.entry_id,
            "ordering_key": self.ordering_key,
            "update_id": self.update_id,
            "attempts": self.attempts,
            "error": self.error,
            "ts_ms": self.ts_ms,
            "payload_bytes": len(self.payload),
        }


def _entry(entry_id: Any, fields: dict[Any, Any]) -> DeadLetter:
    f = {_s(k): v for k, v in fields.items()}
    return DeadLetter(
        entry_id=_s(entry_id),
        ordering_key=_s(f.get("ck", b"")),
        update_id=int(_s(f.get("update_id", b"0"))),
        attempts=int(_s(f.get("attempts", b"0"))),
        error=_s(f.get("error", b"")),
        ts_ms=int(float(_s(f.get("ts", b"0")))),
        payload=f.get("payload", b"") if isinstance(f.get("payload"), bytes) else b"",
    )


async def count(redis: Redis, scripts: PipelineScripts) -> int:
    return int(await redis.xlen(scripts.keys.dlq))


async def list_entries(
    redis: Redis, scripts: PipelineScripts, *, limit: int = 50, after: str = "-"
) -> list[DeadLetter]:
    """Oldest first, up to ``limit``, starting after entry id ``after`` (exclusive)."""
    start = after if after == "-" else f"({after}"
    rows = await redis.xrange(scripts.keys.dlq, min=start, max="+", count=limit)
    return [_entry(i, f) for i, f in rows]


async def get(redis: Redis, scripts: PipelineScripts, entry_id: str) -> DeadLetter | None:
    rows = await redis.xrange(scripts.keys.dlq, min=entry_id, max=entry_id, count=1)
    return _entry(*rows[0]) if rows else None


async def requeue(redis: Redis, scripts: PipelineScripts, entry_id: str) -> tuple[str, DeadLetter]:
    """Append the entry's update to its chat's tail; ``(status, entry)``.

    status: ``queued`` (the chat is active and will reach it after what is pending now),
    ``scheduled`` (the chat was idle; an activation was started), ``present`` (that update is
    already pending again: nothing changed). Raises KeyError when there is no such entry,
    including when someone else requeued or purged it between the read and the script: the
    script checks and removes the entry in the same atomic step that queues the update.
    """
    entry = await get(redis, scripts, entry_id)
    if entry is None:
        raise KeyError(entry_id)
    status, _ = await scripts.requeue(
        redis, entry.ordering_key, entry.update_id, entry.payload, entry.entry_id
    )
    if status == "GONE":
        raise KeyError(entry_id)
    return status.lower(), entry


async def purge(redis: Redis, scripts: PipelineScripts, entry_ids: list[str] | None) -> int:
    """Delete the given entries, or all of them when ``entry_ids`` is None; the number deleted."""
    key = scripts.keys.dlq
    if entry_ids is None:
        async with redis.pipeline(transaction=True) as tx:
            tx.xlen(key)
            tx.delete(key)
            n, _ = await tx.execute()
        return int(n)
    if not entry_ids:
        return 0
    return int(await redis.xdel(key, *entry_ids))
