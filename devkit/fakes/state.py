"""The one coherent state behind all five service fakes (docs/contracts.md §8).

Request rules read live user roles, apartment links and active shifts from here; analytics counts
from the same records.  Tests reach it as ``app.state`` (or ``stack.state``) to set things up and
to assert on what the fakes saw.  Time comes from :class:`FakeClock`, which tests can freeze or
move (``POST /__fake__/clock``).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

from devkit.fakes.controls import ServiceControls
from devkit.fakes.entities import (
    ApartmentLink,
    ApartmentRec,
    BuildingRec,
    CommentRec,
    InviteRec,
    RequestRec,
    SessionRec,
    ShiftRec,
    UserRec,
    YardRec,
)
from devkit.fakes.events import EVENTS_ENV, EventOutbox
from devkit.fakes.idempotency import IdempotencyStore

__all__ = ["SERVICE_NAMES", "TASHKENT", "FakeClock", "FakeWorld"]

TASHKENT = dt.timezone(dt.timedelta(hours=5), "Asia/Tashkent")  # no DST since 1992
SERVICE_NAMES = ("auth", "user", "request", "shift", "analytics")


class FakeClock:
    """Real UTC time, optionally frozen at an instant or shifted by an offset."""

    def __init__(self) -> None:
        self.frozen: dt.datetime | None = None
        self.offset = dt.timedelta()

    def now(self) -> dt.datetime:
        base = self.frozen or dt.datetime.now(dt.UTC)
        return (base + self.offset).replace(microsecond=0)

    def today(self) -> dt.date:
        """The business day in Asia/Tashkent."""
        return self.now().astimezone(TASHKENT).date()

    def set(self, now: dt.datetime | None) -> None:
        self.frozen = now.astimezone(dt.UTC) if now is not None else None
        self.offset = dt.timedelta()

    def advance(self, seconds: float) -> None:
        self.offset += dt.timedelta(seconds=seconds)

    def to_daytime(self) -> None:
        """Shift (not freeze) the clock to 12:00 Tashkent of the same day when it is outside
        09:00-21:00 there, so that tests whose notices must not fall into the default quiet
        hours (22:00-08:00) behave the same whenever they run."""
        local = self.now().astimezone(TASHKENT)
        if 9 <= local.hour < 21:
            return
        self.offset += local.replace(hour=12, minute=0, second=0) - local


class FakeWorld:
    def __init__(self) -> None:
        self.clock = FakeClock()
        # Tests set it: each reset starts the world in Tashkent business hours (see to_daytime).
        self.daytime = False
        self.controls = {name: ServiceControls() for name in SERVICE_NAMES}
        self.idempotency = IdempotencyStore()
        # Events of §10 emitted on every change (devkit.fakes.events).
        self.events = EventOutbox(self)
        self._clear_data()

    def _clear_data(self) -> None:
        self.users: dict[int, UserRec] = {}
        self.yards: dict[int, YardRec] = {}
        self.buildings: dict[int, BuildingRec] = {}
        self.apartments: dict[int, ApartmentRec] = {}
        self.links: dict[tuple[int, int], ApartmentLink] = {}
        self.invites: dict[str, InviteRec] = {}
        self.requests: dict[str, RequestRec] = {}
        self.comments: list[CommentRec] = []
        self.shifts: dict[int, ShiftRec] = {}
        self.sessions: dict[str, SessionRec] = {}
        self._ids: dict[str, int] = {}
        self._day_seq: dict[str, int] = {}
        # Numbers of the seeded requests by key ("new", "confirmed", …), see devkit.fakes.seed.
        self.seed_requests: dict[str, str] = {}

    # -- lifecycle -----------------------------------------------------------------------------

    @classmethod
    def seeded(cls) -> FakeWorld:
        world = cls()
        world.seed()
        return world

    def reset(self) -> None:
        """Empty data, real time, no faults, no calls, no idempotency keys."""
        self._clear_data()
        self.clock.set(None)
        if self.daytime:
            self.clock.to_daytime()
        self.idempotency.clear()
        for controls in self.controls.values():
            controls.clear()
        self.events.clear()
        self.events.url = os.environ.get(EVENTS_ENV) or None

    def seed(self) -> None:
        """Reset, then load the fixture set of :mod:`devkit.fakes.seed`."""
        from devkit.fakes.seed import load_seed

        self.reset()
        load_seed(self)

    def now(self) -> dt.datetime:
        return self.clock.now()

    def next_id(self, kind: str, start: int = 1) -> int:
        value = self._ids.get(kind, start - 1) + 1
        self._ids[kind] = value
        return value

    def bump_ids(self, kind: str, at_least: int) -> None:
        """Make the next id of ``kind`` larger than ``at_least`` (after inserting fixed ids)."""
        self._ids[kind] = max(self._ids.get(kind, 0), at_least)

    def next_request_number(self, created_at: dt.datetime) -> str:
        day = created_at.astimezone(TASHKENT).strftime("%y%m%d")
        seq = self._day_seq.get(day, 0) + 1
        self._day_seq[day] = seq
        return f"{day}-{seq:03d}"

    # -- lookups --------------------------------------------------------------------------------

    def user_by_telegram(self, telegram_id: int) -> UserRec | None:
        return next((u for u in self.users.values() if u.telegram_id == telegram_id), None)

    def links_of(self, user_id: int) -> list[ApartmentLink]:
        return [link for (uid, _), link in self.links.items() if uid == user_id]

    def approved_apartments(self, user_id: int) -> list[int]:
        return [link.apartment_id for link in self.links_of(user_id) if link.status == "approved"]

    def request_addresses(self, user_id: int) -> Iterator[tuple[str, int]]:
        """(type, id) per approved apartment, then its building, then its yard; no repeats."""
        seen: set[tuple[str, int]] = set()
        for apartment_id in self.approved_apartments(user_id):
            apartment = self.apartments[apartment_id]
            building = self.buildings[apartment.building_id]
            for ref in (
                ("apartment", apartment.id),
                ("building", building.id),
                ("yard", building.yard_id),
            ):
                if ref not in seen:
                    seen.add(ref)
                    yield ref

    def active_shifts(self, user_id: int) -> list[ShiftRec]:
        return [
            s
            for s in self.shifts.values()
            if s.executor_user_id == user_id and s.status == "active"
        ]

    def comments_of(self, number: str) -> list[CommentRec]:
        return [c for c in self.comments if c.request_number == number]
