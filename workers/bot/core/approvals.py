"""Telling the managers that someone waits for their approval, when the bot made it so.

Onboarding changes a user through the bot (U4 the phone, U12 an apartment link, U19 an invite)
and no service event of §10 reports them, so the gateway writes its own event
(:mod:`shared.events.gateway`) into an event lane, where the worker fans it out to the managers
with the ``notify`` flag like any service event: deduplicated by its ``event_id``, in order in
each manager's chat lane, held in quiet hours.

Called by the step's handler *before* it answers the user: if the write fails the update is
retried (and answers once); if it succeeds and the answer fails, the retry writes the same
``event_id`` again and the managers hear about it once.
"""

from __future__ import annotations

from typing import Literal

from redis.asyncio import Redis

from shared.clients import ServiceClients
from shared.clients.models.users import UserAddress
from shared.clock import Clock
from shared.events import EventStore
from shared.events.gateway import approval_waiting, link_cause
from shared.logs import get_logger
from shared.settings import Settings
from workers.bot.core.auth import AuthContext
from workers.bot.core.onboarding import needs_apartment

__all__ = ["ApprovalNotices", "link_cause"]

log = get_logger(__name__)

_LIVE_LINKS = ("pending", "approved")


class ApprovalNotices:
    """Handed to handlers as ``approvals`` (the dispatcher's workflow data)."""

    def __init__(self, redis: Redis, settings: Settings, clock: Clock) -> None:
        self.store = EventStore(redis, settings)
        self.clock = clock

    async def announce(
        self,
        auth: AuthContext,
        clients: ServiceClients,
        cause: str,
        link: UserAddress | None = None,
    ) -> Literal["user", "apartment"] | None:
        """After a step changed ``auth.user`` (reloaded): a pending user whose profile is now
        complete waits for approval (``"user"``); an approved user's new ``link`` waits for
        review (``"apartment"``). Anything else announces nothing (``None``)."""
        user = auth.user
        if user is None:
            return None
        what: Literal["user", "apartment"]
        if auth.status == "approved" and link is not None:
            what = "apartment"
        elif auth.status == "pending" and user.phone:
            if needs_apartment(user):
                links = (await clients.users.addresses(user.id)).items
                if not any(x.status in _LIVE_LINKS for x in links):
                    return None
                link = link or next((x for x in links if x.status == "pending"), None)
            what = "user"
        else:
            return None
        event = approval_waiting(user, what, cause, link, await self.clock.now())
        stored = await self.store.store([event])
        log.info(
            "approval_waiting_announced",
            user_id=user.id,
            what=what,
            cause=cause,
            duplicate=bool(stored.duplicates),
        )
        return what
