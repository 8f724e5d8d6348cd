"""Reference data the fakes share: categories, specializations, statuses, permissions (§2, §3)."""

from __future__ import annotations

__all__ = [
    "ACTIVE_STATUSES",
    "ARCHIVE_STATUSES",
    "CATEGORIES",
    "CATEGORY_SPEC",
    "PERMISSIONS",
    "REQUEST_STATUSES",
    "ROLES",
    "SPECIALIZATIONS",
    "URGENCY_RANK",
]

ROLES = ("applicant", "executor", "manager", "admin")
SPECIALIZATIONS = (
    "electrician",
    "plumber",
    "heating",
    "ventilation",
    "elevator",
    "cleaning",
    "security",
    "landscaping",
    "repair",
)
# key, specialization, in the bot menu, RU label, UZ label; the menu's 9 first.
CATEGORIES: tuple[tuple[str, str, bool, str, str], ...] = (
    ("electricity", "electrician", True, "Электрика", "Elektrik"),
    ("plumbing", "plumber", True, "Сантехника", "Santexnika"),
    ("heating", "heating", True, "Отопление", "Isitish"),
    ("elevator", "elevator", True, "Лифт", "Lift"),
    ("cleaning", "cleaning", True, "Уборка", "Tozalash"),
    ("landscaping", "landscaping", True, "Благоустройство", "Obodlashtirish"),
    ("security", "security", True, "Безопасность", "Xavfsizlik"),
    ("internet", "electrician", True, "Интернет/ТВ", "Internet/TV"),
    ("repair", "repair", True, "Ремонт", "Taʼmirlash"),
    ("ventilation", "ventilation", False, "Вентиляция", "Ventilyatsiya"),
    ("other", "repair", False, "Другое", "Boshqa"),
)
CATEGORY_SPEC = {key: spec for key, spec, *_ in CATEGORIES}
REQUEST_STATUSES = (
    "new",
    "in_progress",
    "purchase",
    "clarification",
    "done",
    "confirmed",
    "returned",
    "accepted",
    "cancelled",
)
ACTIVE_STATUSES = frozenset(REQUEST_STATUSES[:7])
ARCHIVE_STATUSES = frozenset({"accepted", "cancelled"})
URGENCY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}

_MANAGER = (
    "users:read",
    "users:write",
    "requests:read",
    "requests:write",
    "shifts:read",
    "shifts:write",
    "analytics:read",
)
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "applicant": ("requests:create", "requests:read_own"),
    "executor": ("requests:read", "requests:update_own", "shifts:read_own", "shifts:update_own"),
    "manager": _MANAGER,
    "admin": (*_MANAGER, "settings:write"),
}
