"""Who a broadcast goes to: the audience choices and their recipients (U5 with the §10 filters).

Recipients are approved, active users, each once (a person in two lists is one recipient), in
the order the user service lists them; the broadcast keeps this snapshot, taken at confirmation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final, Literal

from shared.clients import ServiceClients
from shared.clients.models.common import Role
from workers.bot.core import ui
from workers.bot.features.broadcast import texts

__all__ = ["KINDS", "Audience", "audience_label", "recipients"]

Kind = Literal["residents", "yard", "building", "executors", "specialization", "managers", "all"]
KINDS: Final[tuple[Kind, ...]] = (
    "residents",
    "yard",
    "building",
    "executors",
    "specialization",
    "managers",
    "all",
)
Audience = dict[str, Any]  # {"kind": Kind, "ref": int | str | None, "name": str | None}
_PAGE: Final = 100
_LABELS: Final[dict[str, str]] = {
    "residents": texts.AUDIENCE_RESIDENTS,
    "executors": texts.AUDIENCE_EXECUTORS,
    "managers": texts.AUDIENCE_MANAGERS,
    "all": texts.AUDIENCE_EVERYONE,
}


def audience_label(audience: Audience) -> str:
    kind = audience.get("kind")
    name = ui.safe(str(audience.get("name") or audience.get("ref") or ""), 100)
    if kind == "yard":
        return ui.tr(texts.LABEL_YARD, name=name)
    if kind == "building":
        return ui.tr(texts.LABEL_BUILDING, name=name)
    if kind == "specialization":
        return ui.tr(
            texts.LABEL_SPECIALIZATION,
            specialization=ui.specialization_label(str(audience.get("ref"))),
        )
    return ui.tr(_LABELS.get(str(kind), texts.AUDIENCE_EVERYONE))


def _queries(audience: Audience) -> Iterable[dict[str, Any]]:
    kind, ref = audience.get("kind"), audience.get("ref")
    applicant: Role = "applicant"
    if kind == "residents":
        yield {"role": applicant}
    elif kind == "yard":
        yield {"role": applicant, "yard_id": int(ref or 0)}
    elif kind == "building":
        yield {"role": applicant, "building_id": int(ref or 0)}
    elif kind == "executors":
        yield {"role": "executor"}
    elif kind == "specialization":
        yield {"role": "executor", "specialization": str(ref)}
    elif kind == "managers":
        yield {"role": "manager"}
        yield {"role": "admin"}
    else:
        yield {}


async def recipients(clients: ServiceClients, audience: Audience) -> list[int]:
    """Telegram ids of the audience's approved, active users, each once."""
    seen: set[int] = set()
    out: list[int] = []
    for filters in _queries(audience):
        page = 1
        while True:
            result = await clients.users.list_users(
                status="approved", page=page, size=_PAGE, **filters
            )
            for user in result.items:
                if user.is_active and user.is_approved and user.telegram_id not in seen:
                    seen.add(user.telegram_id)
                    out.append(user.telegram_id)
            if page >= result.pages or not result.items:
                break
            page += 1
    return out
