"""Is the executor on an active shift now? (S1 with ``status=active``.)"""

from __future__ import annotations

import datetime as dt

from shared.clients import ServiceClients
from shared.clients.models import Shift
from workers.bot.core.auth import AuthContext
from workers.bot.core.ui import local_today

__all__ = ["active_shifts", "has_active_shift"]


async def active_shifts(auth: AuthContext, clients: ServiceClients) -> list[Shift]:
    user_id = auth.user_id
    assert user_id is not None
    today = local_today()
    # From yesterday: a night shift that began then is still the current one.
    return await auth.call(
        lambda token: clients.shifts.executor_shifts(
            token,
            user_id,
            statuses=["active"],
            start_date=today - dt.timedelta(days=1),
            end_date=today,
        )
    )


async def has_active_shift(auth: AuthContext, clients: ServiceClients) -> bool:
    return bool(await active_shifts(auth, clients))
