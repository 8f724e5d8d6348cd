"""Events the fakes emit (contracts.md §10) on every change they apply, bot-made ones included.

Each event gets a stable ``event_id`` (the same change always has the same id, e.g.
``request-service:250114-007:4`` for version 4 of that request), goes into :attr:`EventOutbox.log`
and, when a target is set (``GATEWAY_EVENTS_URL`` in the environment, or :attr:`EventOutbox.url`
set by a test harness), is POSTed there with the service headers by one sender task, in order,
retried with backoff until the gateway answers 202 (any other answer but 4xx is retried; a 4xx is
logged and dropped, as a real producer would park it). ``POST /__fake__/events`` emits one by hand.

``shift.starting`` is emitted once per shift when the fakes' clock is within 30 minutes of its
planned start: checked whenever something is emitted, whenever the clock is set, and every few
seconds by the sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import msgspec

from shared.logs import get_logger

if TYPE_CHECKING:
    from devkit.fakes.state import FakeWorld

__all__ = ["EVENTS_ENV", "EventOutbox"]

log = get_logger(__name__)

EVENTS_ENV = "GATEWAY_EVENTS_URL"
STARTING_BEFORE = dt.timedelta(minutes=30)
MAX_DELAY = 5.0


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class EventOutbox:
    world: FakeWorld
    url: str | None = field(default_factory=lambda: os.environ.get(EVENTS_ENV) or None)
    api_key: str = field(
        default_factory=lambda: os.environ.get("SERVICE_API_KEY") or "dev-service-key"
    )
    log: list[dict[str, Any]] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)
    # Events emitted but not yet accepted by the gateway, oldest first.
    pending: list[dict[str, Any]] = field(default_factory=list)
    announced: set[int] = field(default_factory=set)
    enabled: bool = True
    _wake: asyncio.Event | None = None
    _task: asyncio.Task[None] | None = None
    _client: httpx.AsyncClient | None = None
    on_emit: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)

    def clear(self) -> None:
        self.log.clear()
        self.delivered.clear()
        self.pending.clear()
        self.announced.clear()

    # -- emitting ------------------------------------------------------------------------------

    def emit(
        self, type_: str, payload: dict[str, Any], event_id: str, producer: str
    ) -> dict[str, Any]:
        event = {
            "event_id": f"{producer}:{event_id}",
            "type": type_,
            "occurred_at": _iso(self.world.now()),
            "payload": payload,
        }
        self.log.append(event)
        if self.enabled:
            self.pending.append(event)
            self._kick()
        for hook in self.on_emit:
            hook(event)
        if type_ != "shift.starting":
            self.check_starting()
        return event

    def check_starting(self) -> None:
        """``shift.starting`` for assigned planned shifts starting within 30 minutes."""
        from devkit.fakes.views import shift_view

        now = self.world.now()
        for shift in list(self.world.shifts.values()):
            if (
                shift.id not in self.announced
                and shift.executor_user_id is not None
                and shift.status == "planned"
                and now < shift.planned_start_time <= now + STARTING_BEFORE
            ):
                self.announced.add(shift.id)
                self.emit(
                    "shift.starting",
                    {"shift": shift_view(shift)},
                    f"shift:{shift.id}:starting",
                    "shift-service",
                )

    # -- sending -------------------------------------------------------------------------------

    def _kick(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # emitted outside a loop (a test setting up data): sent on the next kick
        if self._wake is None:
            self._wake = asyncio.Event()
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run(), name="fake-events-sender")

    async def _run(self) -> None:
        assert self._wake is not None
        delay = 0.05
        while True:
            if not self.pending or not self.url:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(2.0):
                        await self._wake.wait()
                self.check_starting()
                continue
            batch = self.pending[:100]
            try:
                status = await self._post(batch)
            except httpx.HTTPError as exc:
                log.info("fake_events_retry", error=type(exc).__name__, wait=delay)
                status = 0
            if status == 202:
                del self.pending[: len(batch)]
                self.delivered += [e["event_id"] for e in batch]
                delay = 0.05
            elif 400 <= status < 500 and status not in (408, 429):
                log.warning("fake_events_refused", status=status, count=len(batch))
                del self.pending[: len(batch)]
            else:
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_DELAY)

    async def _post(self, batch: list[dict[str, Any]]) -> int:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=5.0)
        assert self.url is not None
        from devkit.fakes.app import _enc_hook

        body = batch[0] if len(batch) == 1 else {"events": batch}
        response = await self._client.post(
            self.url,
            content=msgspec.json.encode(body, enc_hook=_enc_hook),
            headers={
                "X-Service-Name": "fakes",
                "X-Service-API-Key": self.api_key,
                "Content-Type": "application/json",
            },
        )
        return response.status_code

    async def flush(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109 - a deadline
        """Until every emitted event was accepted by the gateway."""
        self._kick()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.pending:
            if loop.time() > deadline:
                raise TimeoutError(f"{len(self.pending)} event(s) not accepted by {self.url}")
            await asyncio.sleep(0.01)

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
