"""Is the executor on an active shift now? (S1 with ``status=active``.)

"Today" is the gateway's clock (:mod:`shared.clock`: the fakes' one in development and tests).
"""

from __future__ import annotations

import datetime as dt

from shared.clients import ServiceClients
from shared.clients.models import Shift
from shared.clock import Clock
from workers.bot.core.auth import AuthContext
from workers.bot.core.ui import to_local

__all__ = ["active_shifts", "has_active_shift"]


async def active_shifts(auth: AuthContext, clients: ServiceClients, clock: Clock) -> list[Shift]:
    user_id = auth.user_id
    assert user_id is not None
    today = to_local(await clock.now()).date()
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


async def has_active_shift(auth: AuthContext, clients: ServiceClients, clock: Clock) -> bool:
    return bool(await active_shifts(auth, clients, clock))
