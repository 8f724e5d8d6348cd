"""The bot's vocabulary comes from the client models' literals, and every value has its labels."""

from __future__ import annotations

from shared.clients.models.users import User
from workers.bot.core import vocabulary
from workers.bot.core.ui.labels import LABELS, MENU_CATEGORIES


def test_every_value_of_the_vocabulary_has_a_russian_and_an_uzbek_label() -> None:
    tables = {
        "role": vocabulary.ROLES,
        "user_status": vocabulary.USER_STATUSES,
        "status": vocabulary.REQUEST_STATUSES,
        "shift_status": vocabulary.SHIFT_STATUSES,
        "urgency": vocabulary.URGENCIES,
        "category": vocabulary.CATEGORIES,
        "specialization": vocabulary.SPECIALIZATIONS,
    }
    for kind, values in tables.items():
        assert values, kind
        missing = [value for value in values if value not in LABELS[kind]]
        assert missing == [], kind
    assert len(vocabulary.CATEGORIES) == 11 and set(MENU_CATEGORIES) < set(vocabulary.CATEGORIES)
    assert set(vocabulary.CATEGORY_GROUP) == set(vocabulary.CATEGORIES)
    assert set(vocabulary.CATEGORY_GROUP.values()) <= set(vocabulary.SPECIALIZATIONS)
    assert "universal" not in vocabulary.SPECIALIZATIONS  # a shift focus, never a person's


def test_staff_is_a_manager_or_an_admin() -> None:
    def user(*roles: str, active: str | None = None) -> User:
        return User(id=1, telegram_id=1, status="approved", roles=list(roles), active_role=active)  # type: ignore[arg-type]

    assert user("manager").is_staff and user("applicant", "admin").is_staff
    assert not user("applicant", "executor").is_staff
    assert vocabulary.is_staff_role("admin") and vocabulary.is_staff_role("manager")
    assert not vocabulary.is_staff_role("executor") and not vocabulary.is_staff_role(None)
