"""Copy the ingest recording stream into a JSONL file (``bot-gateway record``).

Ingest, with ``INGEST_RECORD=true``, appends every newly queued update to the capped stream
``<prefix>:record`` (field ``update``: the bytes Telegram sent; see ``ingest.recording``). This
reads it from ``since`` (default: the oldest entry still kept) with ``XREAD``: without ``follow``
until it has caught up, with ``follow`` blocking for new entries until ``count`` lines are written
or ``stop`` is set. Each line is ``{"ts": <seconds>, "update": {…}}``, ``ts`` taken from the entry
id (when ingest stored the update), optionally scrubbed (:mod:`.scrub`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TextIO

from redis.asyncio import Redis

from devkit.tools.scrub import Scrubber
from devkit.tools.updates import dump_line, profile_line
from ingest.recording import RECORD_FIELD, record_key
from shared.logs import get_logger

__all__ = ["ProfileLookup", "RecordStats", "record_key", "record_stream", "role_profiles"]

log = get_logger(__name__)
BATCH = 500


@dataclass
class RecordStats:
    written: int = 0
    skipped: int = 0
    last_id: str = "0"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# A user's role profile by Telegram id (roles, status, language; never names or phones).
ProfileLookup = Callable[[int], Awaitable[dict[str, Any] | None]]


def _ts(entry_id: str) -> float:
    return int(entry_id.split("-", 1)[0]) / 1000


async def record_stream(
    redis: Redis,
    key: str,
    out: TextIO,
    *,
    scrubber: Scrubber | None = None,
    follow: bool = False,
    count: int | None = None,
    since: str = "0",
    block_ms: int = 500,
    stop: asyncio.Event | None = None,
    profiles: ProfileLookup | None = None,
) -> RecordStats:
    """Write the stream's updates to ``out``; returns how many were written and skipped."""
    stats = RecordStats(last_id=since)
    while count is None or stats.written < count:
        if stop is not None and stop.is_set():
            break
        want = BATCH if count is None else min(BATCH, count - stats.written)
        reply = await redis.xread(
            {key: stats.last_id}, count=want, block=block_ms if follow else None
        )
        entries = reply[0][1] if reply else []
        if not entries:
            if follow:
                continue
            break
        for raw_id, fields in entries:
            entry_id = _text(raw_id)
            stats.last_id = entry_id
            payload = {_text(k): v for k, v in fields.items()}.get(RECORD_FIELD)
            try:
                update = json.loads(payload) if payload is not None else None
            except ValueError:
                update = None
            if not isinstance(update, dict):
                stats.skipped += 1
                log.warning("record_entry_skipped", entry_id=entry_id, reason="not an update")
                continue
            if scrubber is not None:
                update = scrubber.update(update)
                for original, stand_in in scrubber.take_new_people():
                    profile = await profiles(original) if profiles is not None else None
                    if profile is not None:
                        out.write(profile_line({**profile, "telegram_id": stand_in}) + "\n")
            out.write(dump_line(update, _ts(entry_id)) + "\n")
            out.flush()
            stats.written += 1
    return stats


def role_profiles(clients: Any) -> ProfileLookup:
    """A lookup through the user service (``ServiceClients``): what a replay needs to give a
    stand-in user the same part — the service's user id, roles, status and language."""
    from shared.clients import ServiceError

    async def lookup(telegram_id: int) -> dict[str, Any] | None:
        try:
            user = await clients.users.get_by_telegram(telegram_id)
        except ServiceError as exc:
            log.info("record_profile_unknown", error=type(exc).__name__)
            return None
        return {
            "user_id": user.id,
            "status": user.status,
            "roles": list(user.roles),
            "active_role": user.active_role,
            "language_code": user.language_code,
            "specializations": list(user.specializations),
        }

    return lookup
