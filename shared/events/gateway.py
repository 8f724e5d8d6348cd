"""Events the gateway makes itself: changes it performs through the bot that §10 has no event for.

A user finishing onboarding (phone and apartment link given: now waiting for approval) or an
approved user asking for another apartment link is a change the bot makes with U4 / U12, and no
service event tells the managers about it. So the bot writes one of these into an event lane
with :meth:`~shared.events.EventStore.store`, exactly as the internal listener writes a service
event: same dedup by ``event_id`` (so a retried update writes it once), same lanes, same fan-out
into the managers' chat lanes (ordered, retried, never doubled).

The ``gateway.`` types are not in :data:`~shared.events.model.EVENT_TYPES`: the internal
listener refuses them, so no producer can make the gateway announce a user.

``gateway.approval_waiting`` payload::

    {"what": "user" | "apartment",          # a new pending user / a new link of an approved one
     "user": {id, first_name, last_name, username, phone, roles, status},
     "address": UserAddress | null}          # the link that completed it, when one did
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, Literal

import msgspec

from shared.clients.models.users import User, UserAddress
from shared.events.model import Event

__all__ = ["APPROVAL_WAITING", "GATEWAY_TYPES", "approval_waiting", "link_cause"]

APPROVAL_WAITING: Final = "gateway.approval_waiting"
GATEWAY_TYPES: Final = (APPROVAL_WAITING,)

_encode = msgspec.json.Encoder().encode


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def approval_waiting(
    user: User,
    what: Literal["user", "apartment"],
    cause: str,
    address: UserAddress | None = None,
    now: dt.datetime | None = None,
) -> Event:
    """The event of ``user`` waiting for a manager; ``cause`` names the change that made it so
    (``phone``, ``apt:<apartment>:<requested at>``, ``invite:<role>``) and makes the id stable:
    the same change retried is the same event, a later change (a new link after a rejection)
    is a new one."""
    payload: dict[str, Any] = {
        "what": what,
        "user": {
            "id": user.id,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "username": user.username,
            "phone": user.phone,
            "roles": list(user.roles),
            "status": user.status,
        },
        "address": msgspec.to_builtins(address) if address is not None else None,
    }
    event_id = f"gateway:approval:{user.id}:{cause}"
    occurred = _iso(now or dt.datetime.now(dt.UTC))
    stored: dict[str, Any] = {
        "event_id": event_id,
        "type": APPROVAL_WAITING,
        "occurred_at": occurred,
        "payload": payload,
    }
    return Event(event_id, APPROVAL_WAITING, occurred, payload, _encode(stored))


def link_cause(address: UserAddress) -> str:
    """The cause of a link request: the apartment and when it was asked for (a link rejected and
    asked for again is a new request)."""
    at = int(address.requested_at.timestamp()) if address.requested_at is not None else 0
    return f"apt:{address.apartment_id}:{at}"
