"""The product's enumerations as the bot uses them, in one place: derived from the ``Literal``
types of the service clients' models (``shared.clients.models.common``), so a value is spelled
once. Orders are the documented ones (docs/contracts.md §2), which the keyboards and reports show.
"""

from __future__ import annotations

from typing import Final, get_args

from shared.clients.models.common import (
    STAFF_ROLES,
    Category,
    RequestStatus,
    Role,
    ShiftStatus,
    Specialization,
    Urgency,
    UserStatus,
)

__all__ = [
    "CATEGORIES",
    "CATEGORY_GROUP",
    "MENU_CATEGORIES",
    "REQUEST_STATUSES",
    "ROLES",
    "SHIFT_STATUSES",
    "SPECIALIZATIONS",
    "STAFF_ROLES",
    "URGENCIES",
    "USER_STATUSES",
    "WORK_STATUSES",
    "is_staff_role",
]

ROLES: Final[tuple[Role, ...]] = get_args(Role)
USER_STATUSES: Final[tuple[UserStatus, ...]] = get_args(UserStatus)
REQUEST_STATUSES: Final[tuple[RequestStatus, ...]] = get_args(RequestStatus)
SHIFT_STATUSES: Final[tuple[ShiftStatus, ...]] = get_args(ShiftStatus)
URGENCIES: Final[tuple[Urgency, ...]] = get_args(Urgency)
CATEGORIES: Final[tuple[Category, ...]] = get_args(Category)
# The nine categories offered when filing a request, in menu order: the documented order lists
# them first (R1 answers the same way), ``ventilation`` and ``other`` are accepted but not offered.
MENU_CATEGORIES: Final[tuple[Category, ...]] = CATEGORIES[:9]
# What an executor can hold (``universal`` is a shift focus only, never a person's).
SPECIALIZATIONS: Final[tuple[Specialization, ...]] = get_args(Specialization)
# The statuses in which a request is on its executor's hands.
WORK_STATUSES: Final[tuple[RequestStatus, ...]] = ("in_progress", "purchase", "clarification")

# The specialization group a category's requests go to (docs/contracts.md §2).
CATEGORY_GROUP: Final[dict[str, Specialization]] = {
    "electricity": "electrician",
    "plumbing": "plumber",
    "heating": "heating",
    "elevator": "elevator",
    "cleaning": "cleaning",
    "landscaping": "landscaping",
    "security": "security",
    "internet": "electrician",
    "repair": "repair",
    "ventilation": "ventilation",
    "other": "repair",
}


def is_staff_role(role: str | None) -> bool:
    """Whether acting in ``role`` is acting as staff (a manager or an admin)."""
    return role in STAFF_ROLES
