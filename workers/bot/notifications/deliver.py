"""The chat lane's side of a notification: mute, quiet hours, folding, 403, then the message.

Runs as an item of the recipient's own chat lane, so it comes after every update of that chat
that was queued before it and before every later one, and it never touches the chat's FSM (a form
in progress simply goes on). What happens to one notice:

1. the chat answered 403 earlier and the user has not written since → skipped (counted);
2. a muted kind (``/notifications``: pool and digest messages), or a manager notice for a manager
   whose ``notify`` flag is off → skipped;
3. quiet hours (gateway setting, default 22:00–08:00 Asia/Tashkent, read against the runtime's
   clock: the fakes' clock in development and tests, :mod:`shared.clock`) and neither urgent
   (high or critical) nor something the user is waiting on → held until the quiet hours end;
4. folding: a pool message within a minute of the last one to this executor, and every non-urgent
   new request for a manager → held until the window ends, then sent as one summary; users
   waiting for approval have no window, but several released together (after quiet hours) go
   out as one message;
5. otherwise sent (:func:`~workers.bot.notifications.send.send_notice`); a 403 (or "chat not
   found": the user never opened the bot) marks the chat unreachable and is not retried; another
   400 is dead-lettered at once; any other failure raises, so the pipeline retries the item.

Held notices come back as one ``folded`` item (:mod:`.held`) and go through the same checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

from shared.clock import Clock
from shared.errors import PermanentError
from shared.events.metrics import NOTIFICATIONS
from shared.logs import get_logger
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.notify_prefs import PrefsStore
from workers.bot.notifications.held import HeldStore
from workers.bot.notifications.model import (
    BYPASS_QUIET,
    FOLD_SECONDS,
    FOLD_TOGETHER,
    MUTABLE,
    Notice,
    encode,
)
from workers.bot.notifications.render import Rendered, render, render_folded
from workers.bot.notifications.send import send_notice

__all__ = ["Delivery"]

log = get_logger(__name__)


def _ms(value: dt.datetime) -> int:
    return int(value.timestamp() * 1000)


class Delivery:
    def __init__(
        self,
        bot: Bot,
        held: HeldStore,
        prefs: PrefsStore,
        settings: GatewaySettingsStore,
        clock: Clock,
    ) -> None:
        self.bot = bot
        self.held = held
        self.prefs = prefs
        self.settings = settings
        self.clock = clock

    async def deliver(self, chat_id: int, notice: Notice) -> None:
        items = list(notice.items) if notice.kind == "folded" else [notice]
        items = [n for n in items if n.to is not None]
        if not items:
            return
        if await self.held.is_unreachable(chat_id):
            for n in items:
                NOTIFICATIONS.labels(n.kind, "unreachable").inc()
            log.info("notification_skipped", chat_id=chat_id, reason="unreachable", n=len(items))
            return
        items = await self._wanted(items)
        if not items:
            return
        now = await self.clock.now()
        quiet_end = (await self.settings.get()).quiet_end(now)
        send: list[Notice] = []
        hold: dict[int, list[Notice]] = {}
        for n in items:
            bypass = n.urgent or n.kind in BYPASS_QUIET
            if quiet_end is not None and not bypass:
                hold.setdefault(_ms(quiet_end), []).append(n)
            elif notice.kind != "folded" and (due := await self._fold_due(chat_id, n, now)):
                hold.setdefault(due, []).append(n)
            else:
                send.append(n)
        for due, held in hold.items():
            await self.held.hold(chat_id, [(n.key, encode(n)) for n in held], due)
            for n in held:
                NOTIFICATIONS.labels(n.kind, "held").inc()
            log.info("notifications_held", chat_id=chat_id, n=len(held), due_ms=due)
        if send:
            await self._send(chat_id, send)

    async def _wanted(self, items: Sequence[Notice]) -> list[Notice]:
        """Without muted kinds and manager notices the manager switched off."""
        ids = {n.to.id for n in items if n.to is not None}
        prefs = await self.prefs.get_many(ids)
        kept: list[Notice] = []
        for n in items:
            assert n.to is not None
            mine = prefs[n.to.id]
            if (n.kind in MUTABLE and mine.digests_muted) or (
                n.kind.startswith("manager.") and not mine.manager_notify
            ):
                NOTIFICATIONS.labels(n.kind, "skipped").inc()
                continue
            kept.append(n)
        return kept

    async def _fold_due(self, chat_id: int, n: Notice, now: dt.datetime) -> int | None:
        """When a foldable notice may go out (ms), or ``None`` to send it now."""
        if n.kind == "executor.pool":
            left = await self.held.recently_sent(chat_id, n.kind)
            return _ms(now) + left if left else None
        if n.kind == "manager.new" and not n.urgent:
            return _ms(now) + FOLD_SECONDS[n.kind] * 1000
        return None

    async def _send(self, chat_id: int, items: list[Notice]) -> None:
        items.sort(key=lambda n: str(n.event.get("occurred_at", "")))
        messages: list[tuple[Rendered, list[Notice]]] = []
        folded: dict[str, list[Notice]] = {}
        for n in items:
            if n.kind in FOLD_SECONDS or n.kind in FOLD_TOGETHER:
                folded.setdefault(FOLD_TOGETHER.get(n.kind, n.kind), []).append(n)
            else:
                messages.append((render(n), [n]))
        for kind, group in folded.items():
            messages.append(
                (render(group[0]) if len(group) == 1 else render_folded(kind, group), group)
            )
        for rendered, group in messages:
            try:
                await send_notice(
                    self.bot,
                    chat_id,
                    rendered.text,
                    reply_markup=rendered.markup,
                    photos=rendered.photos,
                )
            except TelegramBadRequest as exc:
                if "chat not found" not in exc.message.lower():
                    # Retrying the same message cannot help: dead-lettered at once, visible in
                    # `bot-gateway dlq` with the reason.
                    raise PermanentError(
                        f"Bot API refused the notice: {exc.message[:120]}"
                    ) from exc
                # A user who never opened the bot: like a 403, until they write.
                await self.held.mark_unreachable(chat_id)
                for n in items:
                    NOTIFICATIONS.labels(n.kind, "unreachable").inc()
                log.info("notification_unreachable", chat_id=chat_id, reason="chat_not_found")
                return
            except TelegramForbiddenError:
                await self.held.mark_unreachable(chat_id)
                for n in items:
                    NOTIFICATIONS.labels(n.kind, "unreachable").inc()
                log.info("notification_unreachable", chat_id=chat_id, n=len(items))
                return
            for n in group:
                NOTIFICATIONS.labels(n.kind, "delivered").inc()
            if group[0].kind == "executor.pool":
                window = FOLD_SECONDS["executor.pool"] * 1000
                await self.held.mark_sent(chat_id, "executor.pool", window)
            log.info(
                "notification_delivered",
                chat_id=chat_id,
                kind=group[0].kind,
                n=len(group),
                key=group[0].key[:120],
            )
