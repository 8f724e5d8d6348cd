"""Reading what a request card shows: the request as this viewer may see it (R5), the
executor's name (U3) and, in ``clarification``, the manager's question and the answers (R11).

Not found and not visible are the same answer (R5 with ``viewer_user_id`` for everyone but
managers). The name and the question are extras: when they cannot be read the card is shown
without them.
"""

from __future__ import annotations

from shared.clients import ServiceClients
from shared.clients.errors import ServiceError, ServiceNotFound
from shared.logs import get_logger
from workers.bot.core.auth import AuthContext
from workers.bot.core.cards import load_thread
from workers.bot.core.vocabulary import is_staff_role
from workers.bot.features.requests.render_card import CardView

__all__ = ["load_card", "viewer_id"]

log = get_logger(__name__)


def viewer_id(auth: AuthContext) -> int | None:
    """Whose visibility R5 applies: the user's, unless the active role is a manager's."""
    if auth.user is None:
        return None
    return None if is_staff_role(auth.active_role) else auth.user.id


async def load_card(clients: ServiceClients, auth: AuthContext, number: str) -> CardView | None:
    user = auth.user
    if user is None:
        return None
    try:
        request = await clients.requests.get(number, viewer_user_id=viewer_id(auth))
    except ServiceNotFound:
        return None
    owner = request.applicant_user_id == user.id and auth.active_role == "applicant"
    return CardView(
        request,
        executor_name=await _executor_name(clients, request.executor_user_id),
        thread=await load_thread(clients, request),
        owner=owner,
    )


async def _executor_name(clients: ServiceClients, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    try:
        executor = await clients.users.get(user_id)
    except ServiceError as exc:
        log.info("card_executor_unavailable", status=exc.status, code=exc.code)
        return None
    name = " ".join(part for part in (executor.first_name, executor.last_name) if part)
    return name or (f"@{executor.username}" if executor.username else None)
