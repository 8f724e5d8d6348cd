"""Pipeline items that are not Telegram updates: events (``ev*`` lanes) and notifications
(negative ids in a chat lane). :class:`OutboundProcessor` is what the runtime's update handler
hands them to."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from shared.events import EventStore
from shared.logs import get_logger
from workers.bot.core.auth import ProfileCache
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.notify_prefs import PrefsStore
from workers.bot.notifications.deliver import Delivery
from workers.bot.notifications.fanout import EventFanout
from workers.bot.notifications.held import HeldStore
from workers.bot.notifications.model import decode

if TYPE_CHECKING:  # the runtime hands itself in; only its type is named here
    from workers.bot.runtime.factory import BotRuntime

__all__ = ["OutboundProcessor"]

log = get_logger(__name__)


class OutboundProcessor:
    def __init__(self, runtime: BotRuntime) -> None:
        settings = runtime.settings
        clock = runtime.clock
        prefs = PrefsStore(runtime.sessionmaker)
        self.held = HeldStore(runtime.redis, settings)
        self.fanout = EventFanout(
            runtime.clients, EventStore(runtime.redis, settings), prefs, clock
        )
        store = runtime.dispatcher.workflow_data.get("gateway_settings")
        if not isinstance(store, GatewaySettingsStore):
            store = GatewaySettingsStore(runtime.redis, key_prefix=settings.redis.key_prefix)
        self.delivery = Delivery(runtime.bot, self.held, prefs, store, clock)
        self.i18n = runtime.i18n
        self.profiles = ProfileCache(
            runtime.clients.users,
            runtime.redis,
            key_prefix=settings.redis.key_prefix,
            ttl=settings.worker.profile_cache_seconds,
        )
        self.tokens = runtime.clients.tokens

    async def __call__(self, raw: bytes, ordering_key: str, item_id: int) -> None:
        if ordering_key.startswith("ev"):
            await self._forget_changed_user(raw)
            await self.fanout(raw)
            return
        try:
            notice = decode(raw)
        except (msgspec.DecodeError, msgspec.ValidationError):
            # Written by this code base, so a bug or a newer format: never retried.
            log.error("notification_undecodable", item_id=item_id, ordering_key=ordering_key)
            return
        with self.i18n.context():
            await self.delivery.deliver(int(ordering_key[1:]), notice)

    async def _forget_changed_user(self, raw: bytes) -> None:
        """A user's status changed (approved, blocked): drop their cached profile and tokens,
        so access decisions see the change at their next update, not when the cache expires."""
        event = msgspec.json.decode(raw)
        if not isinstance(event, dict) or event.get("type") != "user.status_changed":
            return
        user = (event.get("payload") or {}).get("user") or {}
        telegram_id = user.get("telegram_id") if isinstance(user, dict) else None
        if isinstance(telegram_id, int) and telegram_id > 0:
            await self.profiles.forget(telegram_id)
            await self.tokens.forget(telegram_id)
            log.info("profile_forgotten", reason="user.status_changed", user_id=user.get("id"))
