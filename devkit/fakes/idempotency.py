"""Idempotency keys as docs/contracts.md §1.4 defines them.

Scope: (``X-Service-Name``, method, path, key), kept 24 h.  Same key and body: replay the stored
answer with ``Idempotent-Replayed: true``.  Different body: ``422 idempotency_key_reused``.  First
call still running: ``409 idempotency_in_progress``.  Only 2xx answers are stored; after a 4xx or
5xx the key is free again.  "Same body" compares the JSON values, not the bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["IdempotencyStore", "Stored", "body_fingerprint"]

TTL = dt.timedelta(hours=24)
Scope = tuple[str, str, str, str]


def body_fingerprint(raw: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(raw or b"null"), sort_keys=True, separators=(",", ":"))
        data = canonical.encode()
    except ValueError:
        data = raw
    return hashlib.sha256(data).hexdigest()


@dataclass(slots=True)
class Stored:
    fingerprint: str
    created_at: dt.datetime
    status: int | None = None  # None while the first call runs
    body: Any = None


class IdempotencyStore:
    def __init__(self) -> None:
        self._entries: dict[Scope, Stored] = {}

    def begin(self, scope: Scope, fingerprint: str, now: dt.datetime) -> Stored | str | None:
        """``None``: go ahead (the key is now in progress).  A :class:`Stored`: replay it.
        A string: the error code to answer with."""
        entry = self._entries.get(scope)
        if entry is not None and now - entry.created_at > TTL:
            del self._entries[scope]
            entry = None
        if entry is None:
            self._entries[scope] = Stored(fingerprint, now)
            return None
        if entry.fingerprint != fingerprint:
            return "idempotency_key_reused"
        if entry.status is None:
            return "idempotency_in_progress"
        return entry

    def finish(self, scope: Scope, status: int, body: Any) -> None:
        entry = self._entries.get(scope)
        if entry is None:
            return
        if 200 <= status < 300:
            entry.status = status
            entry.body = body
        else:
            del self._entries[scope]

    def abandon(self, scope: Scope) -> None:
        entry = self._entries.get(scope)
        if entry is not None and entry.status is None:
            del self._entries[scope]

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
