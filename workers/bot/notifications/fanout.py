"""The event lane's handler: who hears about an event (contracts.md §10), in which language.

Recipients are resolved through the services (U3 for a user's chat and language, U5 for managers,
the service-only S2 for executors on shift) and each gets one notification appended to their own
chat lane, keyed by event id and recipient (:meth:`~shared.events.EventStore.notify_many`): the
fan-out is retried as a whole when a service call fails, and a retry never adds a second copy.
The actor who caused an event never hears about it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from shared.clients import ServiceClients
from shared.clients.errors import ServiceNotFound as NotFound
from shared.clients.models.common import Role
from shared.clients.models.users import User
from shared.clock import Clock, SystemClock
from shared.events import EventStore
from shared.events.gateway import APPROVAL_WAITING
from shared.events.metrics import EVENTS_FANNED_OUT
from shared.logs import get_logger
from workers.bot.core.notify_prefs import PrefsStore
from workers.bot.notifications.model import Notice, Recipient, encode

__all__ = ["EventFanout", "Target"]

log = get_logger(__name__)

TASHKENT = dt.timezone(dt.timedelta(hours=5))
MANAGER_ROLES: tuple[Role, ...] = ("manager", "admin")
URGENT = frozenset({"high", "critical"})
# Pages of 100 managers read per event at most (U5 pages are ≤ 100).
MAX_MANAGER_PAGES = 20


@dataclass(frozen=True, slots=True)
class Target:
    user_id: int
    kind: str
    role: str
    extra: dict[str, Any] = field(default_factory=dict)


class EventFanout:
    def __init__(
        self,
        clients: ServiceClients,
        store: EventStore,
        prefs: PrefsStore,
        clock: Clock | None = None,
    ) -> None:
        self.clients = clients
        self.store = store
        self.prefs = prefs
        self.clock: Clock = clock or SystemClock()

    async def __call__(self, raw: bytes) -> int:
        """Fan one stored event out; the number of notifications appended (new ones)."""
        event: dict[str, Any] = msgspec.json.decode(raw)
        type_ = str(event["type"])
        payload: dict[str, Any] = event["payload"]
        targets = await self.targets(type_, payload)
        named = _named(type_, payload)
        users = await self._users({t.user_id for t in targets} | set(named.values()))
        extra = {field_: _name(users[uid]) for field_, uid in named.items() if uid in users}
        urgent = str((payload.get("request") or {}).get("urgency")) in URGENT
        items: list[tuple[int, str, bytes]] = []
        seen: set[tuple[int, str]] = set()
        for target in targets:
            user = users.get(target.user_id)
            if user is None or not user.telegram_id or (target.user_id, target.kind) in seen:
                continue
            if user.status == "blocked" and target.kind != "user.blocked":
                continue
            seen.add((target.user_id, target.kind))
            key = f"{event['event_id']}:{target.user_id}:{target.kind}"
            notice = Notice(
                notification=1,
                kind=target.kind,
                key=key,
                to=Recipient(
                    id=user.id,
                    tg=user.telegram_id,
                    lang=user.language_code if user.language_code in ("ru", "uz") else "ru",
                    role=target.role,
                    roles=list(user.roles),
                    active_role=user.active_role,
                ),
                event=event,
                urgent=urgent,
                extra={**extra, **target.extra},
            )
            items.append((user.telegram_id, key, encode(notice)))
        results = await self.store.notify_many(items) if items else []
        full = [r for r in results if r.status == "FULL"]
        added = sum(1 for r in results if r.status in ("QUEUED", "SCHEDULED"))
        if added:
            EVENTS_FANNED_OUT.labels(type_).inc(added)
        log.info(
            "event_fanned_out",
            event_id=event["event_id"],
            type=type_,
            recipients=len(items),
            added=added,
            full=len(full),
        )
        if full:
            # The rest is in; these chats are at their cap: try again later (same keys).
            raise RuntimeError(f"{len(full)} recipient chat(s) full")
        return added

    # -- who -----------------------------------------------------------------------------------

    async def targets(  # noqa: C901 - one branch per event type, side by side
        self, type_: str, p: dict[str, Any]
    ) -> list[Target]:
        request: dict[str, Any] = p.get("request") or {}
        applicant = request.get("applicant_user_id")
        executor = request.get("executor_user_id")
        out: list[Target] = []
        if type_ == "request.created":
            out += [Target(m, "manager.new", "manager") for m in await self.managers()]
            out += [
                Target(e, "executor.pool", "executor")
                for e in await self.on_shift(request.get("assigned_group"))
            ]
            return _without(out, applicant)
        if type_ == "request.status_changed":
            actor = p.get("actor_user_id")
            old, new = str(p["old_status"]), str(p["new_status"])
            if isinstance(applicant, int):
                kind = {
                    "clarification": "applicant.clarification",
                    "done": "applicant.done",
                    "confirmed": "applicant.confirmed",
                    "cancelled": "applicant.cancelled",
                }.get(new, "applicant.status")
                out.append(Target(applicant, kind, "applicant"))
            if isinstance(executor, int):
                if new == "in_progress" and old in ("done", "confirmed", "returned"):
                    out.append(Target(executor, "executor.rework", "executor"))
                elif new == "cancelled":
                    out.append(Target(executor, "executor.cancelled", "executor"))
            if new in ("done", "returned"):
                kind = "manager.done" if new == "done" else "manager.returned"
                out += [Target(m, kind, "manager") for m in await self.managers()]
            return _without(out, actor)
        if type_ == "request.assigned":
            return [Target(int(p["executor_user_id"]), "executor.assigned", "executor")]
        if type_ == "request.comment_added":
            comment: dict[str, Any] = p["comment"]
            author = comment.get("author_user_id")
            if isinstance(applicant, int) and not comment.get("is_internal"):
                out.append(Target(applicant, "comment", "applicant"))
            if isinstance(executor, int):
                out.append(Target(executor, "comment", "executor"))
            out += [Target(m, "comment", "manager") for m in await self.managers()]
            return _without(out, author)
        if type_ == "user.status_changed":
            new = str(p["new_status"])
            user_id = int(p["user"]["id"])
            if new == "approved":
                return [Target(user_id, "user.approved", "user")]
            if new == "blocked":
                return [Target(user_id, "user.blocked", "user")]
            return []
        if type_ == "user.apartment_reviewed":
            status = str(p["address"].get("status"))
            if status in ("approved", "rejected"):
                return [Target(int(p["user_id"]), "user.apartment", "user")]
            return []
        if type_ == APPROVAL_WAITING:
            # Written by the gateway itself (shared.events.gateway): the bot made the change.
            kind = (
                "manager.user_pending" if p.get("what") == "user" else "manager.apartment_pending"
            )
            user_id = int(p["user"]["id"])
            return _without([Target(m, kind, "manager") for m in await self.managers()], user_id)
        if type_ in ("shift.assigned", "shift.starting"):
            executor_id = p["shift"].get("executor_user_id")
            if isinstance(executor_id, int):
                return [Target(executor_id, type_, "executor")]
            return []
        return []

    async def managers(self) -> list[int]:
        """Approved managers and admins whose ``notify`` flag is on."""
        found: list[int] = []
        for role in MANAGER_ROLES:
            page = 1
            while page <= MAX_MANAGER_PAGES:
                batch = await self.clients.users.list_users(
                    status="approved", role=role, page=page, size=100
                )
                found += [u.id for u in batch.items if u.id not in found]
                if page >= batch.pages:
                    break
                page += 1
        prefs = await self.prefs.get_many(found)
        return [m for m in found if prefs[m].manager_notify]

    async def on_shift(self, group: object) -> list[int]:
        """Executors on an active shift whose specializations include ``group``."""
        if not isinstance(group, str):
            return []
        today = (await self.clock.now()).astimezone(TASHKENT).date()
        # A night shift that started yesterday is still active today.
        page = await self.clients.shifts.on_shift(
            today - dt.timedelta(days=1), today, specialization=group, size=100
        )
        ids = {s.executor_user_id for s in page.items if s.executor_user_id is not None}
        users = await self._users(ids)
        return sorted(
            uid
            for uid, user in users.items()
            if group in user.specializations and user.status == "approved"
        )

    async def _users(self, ids: Iterable[int]) -> dict[int, User]:
        found: dict[int, User] = {}
        for user_id in sorted(set(ids)):
            try:
                found[user_id] = await self.clients.users.get(user_id)
            except NotFound:
                log.info("event_recipient_unknown", user_id=user_id)
        return found


def _named(type_: str, payload: dict[str, Any]) -> dict[str, int]:
    """People the message names: the executor of a status change, a comment's author."""
    out: dict[str, int] = {}
    executor = (payload.get("request") or {}).get("executor_user_id")
    if type_ == "request.status_changed" and isinstance(executor, int):
        out["executor_name"] = executor
    comment = payload.get("comment") if type_ == "request.comment_added" else None
    author = comment.get("author_user_id") if isinstance(comment, dict) else None
    if isinstance(author, int):
        out["author_name"] = author
    return out


def _name(user: User) -> str:
    return " ".join(p for p in (user.first_name, user.last_name) if p) or (user.username or "")


def _without(targets: list[Target], actor: object) -> list[Target]:
    """Never the actor who caused the event."""
    return [t for t in targets if t.user_id != actor]
