"""The fixture set every fake world starts from (docs/contracts.md §8 ``/__fake__/seed``).

Ids and Telegram ids are fixed so tests can name people; times are relative to the fakes' clock
so "active shift" and "tomorrow" stay true whenever the seed is loaded.  Request numbers depend on
the day, so :func:`load_seed` records them in ``world.seed_requests`` by key (``"new"``,
``"confirmed"`` …).

People: an admin, a manager, a plumber (on an active shift now), an electrician (shift starting in
30 min, so not on shift yet), an approved resident with phone and apartment and an approved
neighbour in the same flat, a pending resident (pending link plus a rejected one), a newcomer with
nothing yet, a blocked user, a pending executor, an approved applicant+executor, an inactive user.
Places: 2 yards, 3 buildings and their apartments in Tashkent.  Requests: one in every status, two
waiting in group pools.  Shifts: past, cancelled, active, planned (assigned and open), including an
open one overlapping the plumber's tomorrow and one only an electrician may take.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from devkit.fakes.catalog import CATEGORY_SPEC
from devkit.fakes.entities import (
    ApartmentLink,
    ApartmentRec,
    BuildingRec,
    CommentRec,
    RequestRec,
    ShiftRec,
    UserRec,
    YardRec,
)
from devkit.fakes.state import TASHKENT, FakeWorld

__all__ = [
    "ADMIN",
    "BLOCKED",
    "ELECTRICIAN",
    "INACTIVE",
    "MANAGER",
    "MULTI_ROLE",
    "NEIGHBOUR",
    "NEWCOMER",
    "PENDING_EXECUTOR",
    "PENDING_RESIDENT",
    "PLUMBER",
    "RESIDENT",
    "RESIDENT_APARTMENT",
    "SHIFTS",
    "SeedUser",
    "load_seed",
]


@dataclass(frozen=True, slots=True)
class SeedUser:
    id: int
    telegram_id: int


ADMIN = SeedUser(1, 100001)
MANAGER = SeedUser(2, 100002)
PLUMBER = SeedUser(3, 100003)
ELECTRICIAN = SeedUser(4, 100004)
RESIDENT = SeedUser(5, 100005)
NEIGHBOUR = SeedUser(6, 100006)
PENDING_RESIDENT = SeedUser(7, 100007)
NEWCOMER = SeedUser(8, 100008)
BLOCKED = SeedUser(9, 100009)
PENDING_EXECUTOR = SeedUser(10, 100010)
MULTI_ROLE = SeedUser(11, 100011)
INACTIVE = SeedUser(12, 100012)
RESIDENT_APARTMENT = 105

# Shift ids by meaning.
SHIFTS = {
    "past": 501,
    "active": 502,
    "tomorrow": 503,
    "electrician_soon": 504,
    "open_plumbing": 505,
    "open_universal": 506,
    "open_overlap": 507,
    "open_electric": 508,
    "cancelled": 509,
}

# fmt: off
# who, "first last", username, status, roles, specializations, language (phones are derived)
_USERS = (
    (ADMIN, "Dilshod Karimov", "dilshod_admin", "approved", "admin", "", "ru"),
    (MANAGER, "Nodira Yusupova", "nodira_m", "approved", "manager", "", "ru"),
    (PLUMBER, "Bekzod Tursunov", "bekzod_t", "approved", "executor", "plumber heating", "uz"),
    (ELECTRICIAN, "Sardor Rakhimov", None, "approved", "executor", "electrician", "ru"),
    (RESIDENT, "Aziz Karimov", "aziz_k", "approved", "applicant", "", "uz"),
    (NEIGHBOUR, "Malika Azimova", "malika_a", "approved", "applicant", "", "ru"),
    (PENDING_RESIDENT, "Jasur Aliyev", "jasur_a", "pending", "applicant", "", "uz"),
    (NEWCOMER, "Gulnora", None, "pending", "applicant", "", "ru"),
    (BLOCKED, "Rustam Qodirov", "rustam_q", "blocked", "applicant", "", "ru"),
    (PENDING_EXECUTOR, "Otabek Nazarov", "otabek_n", "pending", "executor", "elevator", "uz"),
    (MULTI_ROLE, "Shahzoda Ergasheva", None, "approved", "applicant executor", "electrician", "ru"),
    (INACTIVE, "Kamola Ismoilova", None, "approved", "applicant", "", "ru"),
)
_YARDS = ((1, "Olmazor-1"), (2, "Chilonzor-9"))
# id, yard, address, apartments
_BUILDINGS = (
    (1, 1, "Navoiy ko'chasi 12", 12),
    (2, 1, "Navoiy ko'chasi 14", 8),
    (3, 2, "Bunyodkor shoh ko'chasi 5", 20),
)
_LINKS = (
    (RESIDENT, 105, "approved", True),
    (NEIGHBOUR, 105, "approved", False),
    (PENDING_RESIDENT, 207, "pending", False),
    (PENDING_RESIDENT, 110, "rejected", False),
    (MULTI_ROLE, 301, "approved", True),
)
# key (also the status, up to "_"), category, urgency, version, executor, days ago
_REQUESTS = (
    ("accepted", "plumbing", "medium", 6, PLUMBER, 9),
    ("cancelled", "cleaning", "low", 2, None, 8),
    ("returned", "heating", "high", 6, PLUMBER, 7),
    ("confirmed", "plumbing", "medium", 5, PLUMBER, 6),
    ("done", "plumbing", "low", 4, PLUMBER, 5),
    ("clarification", "plumbing", "medium", 3, PLUMBER, 4),
    ("purchase", "heating", "high", 3, PLUMBER, 3),
    ("in_progress", "plumbing", "critical", 2, PLUMBER, 2),
    ("new_electric", "electricity", "critical", 1, None, 1),
    ("new", "plumbing", "high", 1, None, 0),
)
_DESCRIPTIONS = {
    "accepted": "Oshxonadagi kran oqyapti, suv to'xtamayapti.",
    "cancelled": "Подъезд не убирали уже неделю, просьба проверить.",
    "returned": "Batareya sovuq, xonada harorat past.",
    "confirmed": "Течёт сифон под раковиной в ванной.",
    "done": "Unitaz bachogi to'xtovsiz suv oqizyapti.",
    "clarification": "Слабый напор горячей воды на кухне.",
    "purchase": "Нужно заменить терморегулятор на радиаторе.",
    "in_progress": "Прорвало трубу в подвале, вода на полу.",
    "new_electric": "Yo'lakda chiroq yonmayapti, 3-qavatda.",
    "new": "Hammomda suv quvuri tomchilayapti, yordam kerak.",
}
# fmt: on


def _local(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), TASHKENT).astimezone(dt.UTC)


def load_seed(world: FakeWorld) -> None:
    now = world.now()
    past = now - dt.timedelta(days=30)
    for offset, (who, name, username, status, roles, specs, lang) in enumerate(_USERS):
        created = past + dt.timedelta(hours=offset)
        first, _, last = name.partition(" ")
        world.users[who.id] = UserRec(
            id=who.id,
            telegram_id=who.telegram_id,
            first_name=first,
            last_name=last or None,
            username=username,
            phone=None if who == NEWCOMER else f"+99890{who.telegram_id:07d}",
            status=status,
            roles=roles.split(),
            active_role=roles.split()[0],
            specializations=specs.split(),
            language_code=lang,
            is_active=who != INACTIVE,
            created_at=created,
            updated_at=created,
        )
    newcomer = world.users[NEWCOMER.id]
    newcomer.created_at = newcomer.updated_at = now - dt.timedelta(hours=2)  # joined today
    for yard_id, name in _YARDS:
        world.yards[yard_id] = YardRec(yard_id, name)
    for building_id, yard_id, address, flats in _BUILDINGS:
        world.buildings[building_id] = BuildingRec(building_id, yard_id, address)
        for n in range(1, flats + 1):
            apartment_id = building_id * 100 + n
            world.apartments[apartment_id] = ApartmentRec(
                apartment_id,
                building_id,
                str(n),
                entrance=(n - 1) // 8 + 1,
                floor=(n - 1) % 8 // 2 + 1,
            )
    for who, apartment_id, status, owner in _LINKS:
        reviewed = past + dt.timedelta(days=1) if status != "pending" else None
        world.links[(who.id, apartment_id)] = ApartmentLink(
            who.id, apartment_id, status, past, owner, reviewed_at=reviewed
        )
    _seed_requests(world, now)
    _seed_shifts(world, now)
    world.bump_ids("user", 999)


def _seed_requests(world: FakeWorld, now: dt.datetime) -> None:
    world.seed_requests = {}
    for key, category, urgency, version, executor, days_ago in _REQUESTS:
        status = "new" if key.startswith("new") else key
        created = now - dt.timedelta(days=days_ago, hours=3)
        updated = created + dt.timedelta(hours=version)
        request = RequestRec(
            request_number=world.next_request_number(created),
            category=category,
            urgency=urgency,
            description=_DESCRIPTIONS[key],
            address_type="apartment",
            address_id=RESIDENT_APARTMENT,
            applicant_user_id=RESIDENT.id,
            created_at=created,
            updated_at=updated,
            status=status,
            status_version=version,
            executor_user_id=executor.id if executor else None,
            assignment_type="individual" if executor else "group",
            assigned_group=None if executor else CATEGORY_SPEC[category],
        )
        if status in {"done", "confirmed", "returned", "accepted"}:
            request.completion_report = "Ish bajarildi, qismlar almashtirildi."
            request.completed_at = created + dt.timedelta(hours=5)
        if status == "returned":
            request.return_reason = "Снова течёт после ремонта."
        if status == "accepted":
            request.rating = 5
        if status in {"accepted", "cancelled"}:
            request.closed_at = updated
        world.requests[request.request_number] = request
        world.seed_requests[key] = request.request_number
        if version > 1:
            world.comments.append(
                CommentRec(
                    id=world.next_id("comment", 9001),
                    request_number=request.request_number,
                    author_user_id=MANAGER.id,
                    comment_type="status_change",
                    comment_text="",
                    created_at=updated,
                    new_status=status,
                )
            )


def _seed_shifts(world: FakeWorld, now: dt.datetime) -> None:
    today = now.astimezone(TASHKENT).date()
    day = dt.timedelta(days=1)
    hour = dt.timedelta(hours=1)
    d_2, d_1, d1, d2, d3 = (today + n * day for n in (-2, -1, 1, 2, 3))
    # fmt: off
    rows = (
        ("past", PLUMBER, "completed", "plumber", _local(d_1, 8), _local(d_1, 20)),
        ("active", PLUMBER, "active", "plumber heating", now - 2 * hour, now + 6 * hour),
        ("tomorrow", PLUMBER, "planned", "plumber", _local(d1, 8), _local(d1, 20)),
        ("electrician_soon", ELECTRICIAN, "planned", "electrician", now + hour / 2, now + 8 * hour),
        ("open_plumbing", None, "planned", "plumber heating", _local(d2, 8), _local(d2, 20)),
        ("open_universal", None, "planned", "universal", _local(d3, 9), _local(d3, 18)),
        ("open_overlap", None, "planned", "plumber", _local(d1, 14), _local(d1, 22)),
        ("open_electric", None, "planned", "electrician", _local(d2, 9), _local(d2, 18)),
        ("cancelled", None, "cancelled", "cleaning", _local(d_2, 8), _local(d_2, 16)),
    )
    # fmt: on
    for key, who, status, focus, start, end in rows:
        shift = ShiftRec(
            id=SHIFTS[key],
            executor_user_id=who.id if who else None,
            status=status,
            specialization_focus=focus.split(),
            planned_start_time=start,
            planned_end_time=end,
            location=world.yards[1 if key != "open_universal" else 2].name,
            created_at=now - 7 * day,
            updated_at=now - 7 * day,
        )
        if status in {"active", "completed"}:
            shift.start_time = start
        if status == "completed":
            shift.end_time, shift.completed_requests = end, 3
        world.shifts[shift.id] = shift
    world.bump_ids("shift", max(SHIFTS.values()))
