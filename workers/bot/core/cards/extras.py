"""What a card shows besides the request: the people by name and the clarification thread.

Names and the thread are extras: a person who cannot be read (deleted, a permanent error) leaves
a readable card; a transient failure goes back to the pipeline like any other.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from shared.clients import ServiceClients
from shared.clients.errors import ServiceError
from shared.clients.models import Request, User
from workers.bot.core.cards.thread import Thread, load_thread
from workers.bot.core.ui.errors import is_transient

__all__ = ["CardExtras", "load_extras", "person_name", "read_user"]


@dataclass(frozen=True, slots=True)
class CardExtras:
    applicant: User | None = None
    executor: User | None = None
    thread: Thread | None = None


def person_name(user: User | None, fallback_id: int | None = None) -> str:
    """A person's display name (plain text: escape it)."""
    if user is None:
        return f"#{fallback_id}" if fallback_id is not None else "—"
    name = " ".join(p for p in (user.first_name, user.last_name) if p)
    return name or (f"@{user.username}" if user.username else f"#{user.id}")


async def read_user(clients: ServiceClients, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    try:
        return await clients.users.get(user_id)
    except ServiceError as exc:
        if is_transient(exc):
            raise
        return None


async def load_extras(
    clients: ServiceClients,
    request: Request,
    *,
    applicant: bool = False,
    executor: bool = True,
    internal: bool = False,
) -> CardExtras:
    """The people the card names and, in ``clarification``, the question and its answers."""
    people = await asyncio.gather(
        read_user(clients, request.applicant_user_id if applicant else None),
        read_user(clients, request.executor_user_id if executor else None),
    )
    thread = await load_thread(clients, request, internal=internal)
    return CardExtras(applicant=people[0], executor=people[1], thread=thread)
