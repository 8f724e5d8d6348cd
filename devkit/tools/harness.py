"""The whole gateway in one event loop, for replays and transcript tests.

:class:`ReplayHarness` starts the fake Bot API and (unless told to use the configured services)
the five fake services on loopback ports, then runs the real pipeline (:class:`Pipeline` against
real Redis, under a key prefix of its own) and a real arq drain worker with the real bot runtime
(or any handler factory) as a task of the current loop, with settings pointing at the fakes.
Updates go in through ``Pipeline.enqueue``, exactly as ingest puts them in.

The worker's handler is wrapped: before each update is handled the fake is primed with what the
update refers to (:mod:`.priming`) and the position in the fake's call journal is noted, which is
how every Bot API call is attributed to the update that caused it (:mod:`.transcript`).
Completion is read from Redis: an update is done when it has left its chat's inbox (acknowledged
or dead-lettered); waits poll that with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from redis.asyncio import Redis

from devkit.fakes.state import FakeWorld
from devkit.fakes.telegram import FakeTelegramState
from devkit.tools.fakeset import FakeSet, run_fake_set
from devkit.tools.overrides import load_settings_with
from devkit.tools.priming import prime_update
from devkit.tools.results import RunResult, Turn, outbound, section_of_call, section_of_ck
from devkit.tools.transcript import (
    BOT_SECTION,
    Event,
    Inbound,
    Note,
    Transcript,
    describe_update,
)
from devkit.tools.updates import UpdateItem, to_items
from shared.connections import connect_redis
from shared.logs import get_logger
from shared.pipeline import EnqueueResult, EnqueueStatus, Pipeline
from shared.pipeline import dlq as dead_letters
from shared.settings import Settings
from workers.pipeline.drain import HandlerFactory, UpdateHandler, UpdateMeta

__all__ = ["DEFAULT_HANDLER", "RELAXED", "ReplayHarness"]

log = get_logger(__name__)

DEFAULT_HANDLER = "workers.bot.runtime:create_handler"

# A replay checks behaviour, not throughput: no outgoing pacing, per-user limits far away, quick
# retries, and no metrics port (several systems may share a process).
RELAXED: dict[str, str] = {
    "TELEGRAM_PACE_PRIVATE": "off",
    "TELEGRAM_PACE_GROUP": "off",
    "TELEGRAM_PACE_GLOBAL": "off",
    "RATE_LIMIT_MESSAGES_PER_MINUTE": "100000",
    "RATE_LIMIT_MESSAGES_PER_HOUR": "100000",
    "RATE_LIMIT_COMMANDS_PER_MINUTE": "100000",
    "PIPELINE_RETRY_BACKOFF": "[0.05, 0.2, 0.5]",
    "WORKER_POLL_DELAY": "0.05",
    # Alerts stay alerts on a busy test machine: a handler has the longest allowed time to give
    # its answer a text before the empty one (the 1 s promise is tested with its own value).
    "WORKER_CALLBACK_ANSWER_SECONDS": "0.9",
}
_ALWAYS = {"WORKER_METRICS_PORT": "0"}


@dataclass(frozen=True, slots=True)
class _Mark:
    position: int  # len(fake calls) when the handler started
    ordering_key: str
    update_id: int
    attempt: int
    update: dict[str, Any]


class ReplayHarness:
    """Fakes + real pipeline + a real worker in this loop. Use as ``async with``.

    ``overrides`` are settings variables applied on top of the environment (after the fakes'
    URLs and the relaxed limits, so they win). ``fake_services=False`` keeps the configured
    service URLs (the Bot API is always the fake: the transcript is read from it). ``fakes``
    lends a running :class:`FakeSet` (the harness then neither starts nor stops one).
    """

    def __init__(
        self,
        *,
        handler_factory: HandlerFactory | None = None,
        overrides: Mapping[str, str] | None = None,
        fake_services: bool = True,
        relaxed: bool = True,
        key_prefix: str | None = None,
        world: FakeWorld | None = None,
        telegram: FakeTelegramState | None = None,
        fakes: FakeSet | None = None,
        startup_timeout: float = 60.0,
        events: bool = False,
    ) -> None:
        self._factory = handler_factory
        self._overrides = dict(overrides or {})
        self._fake_services = fake_services
        self._relaxed = relaxed
        self._key_prefix = key_prefix
        self._own_prefix = key_prefix is None
        self._world = world
        self._telegram = telegram
        self._fakes = fakes
        self._startup_timeout = startup_timeout
        self._events = events
        self._events_stop: asyncio.Event | None = None
        self._events_task: asyncio.Task[None] | None = None
        self.events_url: str | None = None
        self._stack = contextlib.AsyncExitStack()
        self._marks: list[_Mark] = []
        self._worker: Any = None
        self._worker_task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()
        self._redis: Redis | None = None
        self.settings: Settings | None = None
        self.pipeline: Pipeline | None = None
        self.telegram_url = ""
        self.service_urls: dict[str, str] = {}
        self.services: FakeWorld | None = None

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def telegram(self) -> FakeTelegramState:
        if self._telegram is None:
            raise RuntimeError("the harness is not started")
        return self._telegram

    async def __aenter__(self) -> ReplayHarness:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _base_settings(self) -> Settings:
        overrides = dict(_ALWAYS)
        if self._relaxed:
            overrides.update(RELAXED)
        overrides.update(self._overrides)
        return load_settings_with(overrides)

    async def start(self) -> None:
        base = self._base_settings()
        fakes = self._fakes
        if fakes is None:
            fakes = await self._stack.enter_async_context(
                run_fake_set(
                    bot_id=base.telegram.bot_id,
                    api_key=base.services.service_api_key.get_secret_value(),
                    services=self._fake_services,
                    world=self._world,
                    telegram=self._telegram,
                )
            )
        self._telegram = fakes.telegram
        self.telegram_url = fakes.telegram_url
        overrides: dict[str, str] = {**_ALWAYS, **fakes.env(services=self._fake_services)}
        if self._fake_services:
            self.services = fakes.world
            self.service_urls = dict(fakes.service_urls)
        if self._key_prefix is None:
            self._key_prefix = f"{base.redis.key_prefix[:24]}.replay.{secrets.token_hex(4)}"
        overrides["REDIS_KEY_PREFIX"] = self._key_prefix
        if self._relaxed:
            overrides.update(RELAXED)
        overrides.update(self._overrides)
        settings = load_settings_with(overrides)
        self.settings = settings
        self._redis = connect_redis(settings.redis)
        self.pipeline = Pipeline(self._redis, settings)
        await self._start_worker(settings)
        if self._events and self.services is not None:
            await self._start_events(settings)

    async def _start_events(self, settings: Settings) -> None:
        """The internal listener (``POST /internal/v1/events``) on a free port, and the fake
        services' event outbox pointed at it: changes the fakes apply reach the bot."""
        from ingest.server import serve_internal

        internal = settings.model_copy(
            update={"internal": settings.internal.model_copy(update={"port": 0})}
        )
        stop = self._events_stop = asyncio.Event()
        bound: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._events_task = asyncio.create_task(
            serve_internal(internal, stop, lambda: (b"", "text/plain"), started=bound.set_result)
        )
        port = await asyncio.wait_for(bound, self._startup_timeout)
        self.events_url = f"http://127.0.0.1:{port}/internal/v1/events"
        assert self.services is not None
        self.services.events.url = self.events_url
        self.services.events.api_key = settings.services.service_api_key.get_secret_value()

    async def settle(
        self,
        timeout: float = 30.0,  # noqa: ASYNC109 — a deadline spanning many polls
    ) -> None:
        """Until the fakes' events were accepted and every lane (events, chats) is idle."""
        self._check_running()
        if self.services is not None and self.services.events.url:
            await self.services.events.flush(timeout)
        assert self._redis is not None and self.pipeline is not None
        deadline = time.monotonic() + timeout
        while await self._redis.zcard(self.pipeline.keys.active):
            self._check_running()
            if time.monotonic() > deadline:
                raise TimeoutError(f"lanes still busy after {timeout:g}s")
            await asyncio.sleep(0.01)

    async def _start_worker(self, settings: Settings) -> None:
        from workers.cli import assemble_worker

        factory = self._factory
        if factory is None:
            from workers.cli import load_handler_factory

            factory = load_handler_factory(DEFAULT_HANDLER)
        wrapped = self._wrap_factory(factory, settings)
        self._worker = assemble_worker(
            settings, wrapped, handle_signals=False, worker_id=f"replay-{secrets.token_hex(3)}"
        )
        self._worker_task = asyncio.create_task(self._worker.async_run())
        ready = asyncio.create_task(self._ready.wait())
        try:
            await asyncio.wait(
                {ready, self._worker_task},
                timeout=self._startup_timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            ready.cancel()
        if self._worker_task.done():
            self._worker_task.result()  # raises the start-up error
            raise RuntimeError("the worker stopped during start-up")
        if not self._ready.is_set():
            raise TimeoutError(f"the worker did not start within {self._startup_timeout:g}s")

    def _wrap_factory(self, factory: HandlerFactory, settings: Settings) -> HandlerFactory:
        harness = self

        async def wrapped(
            ctx: dict[str, Any],
        ) -> tuple[UpdateHandler, Any]:
            ctx["settings"] = settings
            inner, shutdown = await factory(ctx)

            async def handler(raw: bytes, meta: UpdateMeta) -> None:
                harness._before(raw, meta)
                await inner(raw, meta)

            harness._ready.set()
            return handler, shutdown

        return wrapped

    def _before(self, raw: bytes, meta: UpdateMeta) -> None:
        try:
            update = json.loads(raw)
        except ValueError:
            update = {"update_id": meta.update_id}
        if isinstance(update, dict) and "notification" in update:
            # A notification in a chat lane (or a folded batch of them).
            kinds = [i.get("kind") for i in update.get("items") or [update]]
            update = {"update_id": meta.update_id, "notification": {"kinds": kinds}}
        elif isinstance(update, dict) and "event_id" in update:
            update = {"update_id": meta.update_id, "service_event": {"type": update.get("type")}}
        elif isinstance(update, dict):
            prime_update(self.telegram, update)
        else:
            update = {"update_id": meta.update_id}
        self._marks.append(
            _Mark(len(self.telegram.calls), meta.ordering_key, meta.update_id, meta.attempt, update)
        )

    async def stop(self) -> None:
        if self._events_task is not None and self._events_stop is not None:
            self._events_stop.set()
            await asyncio.gather(self._events_task, return_exceptions=True)
            self._events_task = None
            if self.services is not None:
                self.services.events.url = None
                await self.services.events.aclose()
        if self._worker is not None and self._worker_task is not None:
            if not self._worker_task.done():
                await self._worker.close()
            results = await asyncio.gather(self._worker_task, return_exceptions=True)
            for result in results:
                if isinstance(result, Exception):
                    log.warning("replay_worker_failed", error=type(result).__name__)
            self._worker = self._worker_task = None
        if self._redis is not None:
            if self._own_prefix and self._key_prefix:
                await _delete_prefix(self._redis, self._key_prefix)
            await self._redis.aclose()
            self._redis = None
        await self._stack.aclose()

    # -- feeding ----------------------------------------------------------------------------

    def _check_running(self) -> Pipeline:
        if self.pipeline is None or self._worker_task is None:
            raise RuntimeError("the harness is not started")
        if self._worker_task.done():
            self._worker_task.result()
            raise RuntimeError("the worker stopped")
        return self.pipeline

    async def _enqueue(
        self, items: Sequence[UpdateItem], speed: float | None
    ) -> list[EnqueueResult]:
        pipeline = self._check_running()
        if speed is None or not any(item.ts is not None for item in items):
            return await pipeline.enqueue_many([item.raw for item in items]) if items else []
        if speed <= 0:
            raise ValueError("speed must be positive")
        loop = asyncio.get_running_loop()
        started = loop.time()
        first = next(item.ts for item in items if item.ts is not None)
        results = []
        for item in items:
            if item.ts is not None:
                # Keep the recorded spacing, compressed by ``speed``.
                delay = started + (item.ts - first) / speed - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            results.append(await pipeline.enqueue(item.raw))
        return results

    async def wait_handled(
        self,
        pending: Sequence[tuple[str, int]],
        timeout: float = 30.0,  # noqa: ASYNC109 — a deadline spanning many polls
    ) -> None:
        """Until every (ordering key, update id) has left its chat's inbox."""
        pipeline = self._check_running()
        assert self._redis is not None
        left = list(pending)
        deadline = time.monotonic() + timeout
        while left:
            async with self._redis.pipeline(transaction=False) as pipe:
                for ck, uid in left:
                    pipe.zscore(pipeline.keys.inbox(ck), str(uid))
                scores = await pipe.execute()
            left = [item for item, score in zip(left, scores, strict=True) if score is not None]
            if not left:
                return
            self._check_running()
            if time.monotonic() > deadline:
                ids = ", ".join(str(uid) for _, uid in left[:10])
                raise TimeoutError(f"updates not handled within {timeout:g}s: {ids}")
            await asyncio.sleep(0.01)

    async def _dead_letters(self, update_ids: set[int]) -> dict[int, tuple[str, int, str]]:
        pipeline = self._check_running()
        assert self._redis is not None
        found: dict[int, tuple[str, int, str]] = {}
        after = "-"
        while True:
            batch = await dead_letters.list_entries(
                self._redis, pipeline.scripts, limit=500, after=after
            )
            for entry in batch:
                if entry.update_id in update_ids:
                    found[entry.update_id] = (entry.ordering_key, entry.attempts, entry.error)
            if len(batch) < 500:
                return found
            after = batch[-1].entry_id

    async def run(
        self,
        updates: Any,
        *,
        speed: float | None = None,
        timeout: float = 60.0,  # noqa: ASYNC109 — a deadline for the whole run
    ) -> RunResult:
        """Feed updates (path, JSONL text, or a list of dicts/bytes) and wait for all of them.

        ``speed=None`` enqueues everything at once; ``speed=1`` keeps the recorded spacing of
        lines that carry ``ts``, ``speed=10`` compresses it tenfold.
        """
        items = to_items(updates)
        calls_from, marks_from = len(self.telegram.calls), len(self._marks)
        results = await self._enqueue(items, speed)
        await self.wait_handled(
            [(r.ordering_key, r.update_id) for r in results if r.status is not EnqueueStatus.FULL],
            timeout,
        )
        notes: list[tuple[str, Note]] = [
            (
                section_of_ck(r.ordering_key),
                Note(f"update {r.update_id} not queued: {r.status.value}"),
            )
            for r in results
            if r.status in (EnqueueStatus.DUPLICATE, EnqueueStatus.FULL)
        ]
        dead = await self._dead_letters({r.update_id for r in results})
        for uid, (ck, attempts, error) in sorted(dead.items()):
            notes.append(
                (
                    section_of_ck(ck),
                    Note(f"update {uid} dead-lettered after {attempts} attempt(s): {error}"),
                )
            )
        transcript = self.transcript(calls_from, marks_from, notes)
        return RunResult(transcript, results, {uid: info[2] for uid, info in dead.items()})

    async def send(
        self,
        update: dict[str, Any],
        timeout: float = 30.0,  # noqa: ASYNC109 — a deadline for this step
    ) -> Turn:
        """Enqueue one update, wait until it is handled, return the calls made meanwhile."""
        calls_from, marks_from = len(self.telegram.calls), len(self._marks)
        pipeline = self._check_running()
        result = await pipeline.enqueue(json.dumps(update, ensure_ascii=False).encode())
        if result.status is EnqueueStatus.FULL:
            raise RuntimeError(f"update {result.update_id} refused: the chat's inbox is full")
        await self.wait_handled([(result.ordering_key, result.update_id)], timeout)
        transcript = self.transcript(calls_from, marks_from)
        section = section_of_ck(result.ordering_key)
        calls = [
            c
            for c in self.telegram.calls[calls_from:]
            if section_of_call(c, self.telegram) in (section, BOT_SECTION)
        ]
        return Turn(update, calls, transcript)

    def transcript(
        self,
        calls_from: int = 0,
        marks_from: int = 0,
        notes: Sequence[tuple[str, Note]] = (),
    ) -> Transcript:
        """Everything since the given journal positions (default: since start-up)."""
        timeline: list[tuple[float, int, str, Event]] = []
        for mark in self._marks[marks_from:]:
            inbound: Inbound = describe_update(mark.update)
            if mark.attempt > 1:
                inbound = replace(inbound, attempt=mark.attempt)
            timeline.append((mark.position, 0, section_of_ck(mark.ordering_key), inbound))
        calls = self.telegram.calls
        for index in range(calls_from, len(calls)):
            call = calls[index]
            timeline.append((index, 1, section_of_call(call, self.telegram), outbound(call)))
        return Transcript.from_timeline(timeline, notes)


async def _delete_prefix(redis: Redis, prefix: str) -> None:
    """Every key this harness wrote: its prefix, and arq's job keys whose ids carry it."""
    batch: list[Any] = []
    async for key in redis.scan_iter(match=f"*{prefix}*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            await redis.unlink(*batch)
            batch.clear()
    if batch:
        await redis.unlink(*batch)
