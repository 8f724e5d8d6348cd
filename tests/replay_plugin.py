"""The ``replay`` fixture: the running gateway in the test's event loop, on real sockets.

A test gets the fake Bot API and the five fake services on loopback ports, the real
:class:`~shared.pipeline.Pipeline` on real Redis under a key prefix of its own, and a real arq
drain worker running the real bot runtime (``workers.bot.runtime:create_handler`` with the feature
routers) against the run's migrated PostgreSQL database. Updates enter through
``Pipeline.enqueue`` as ingest would put them; every wait has a deadline (no sleeps).

Batch mode — load updates, run, assert on the transcript::

    async def test_start_greets(replay):
        result = await replay.run(Path("tests/data/start.jsonl"))   # or a list of update dicts
        assert "Добро пожаловать" in result.texts(chat_id=100005)[0]
        assert result.text == EXPECTED                               # the rendered transcript

Conversation mode — simulated users, one step at a time::

    async def test_create_request(replay):
        user = replay.user(100005, "Aziz", language_code="uz")      # a seeded resident
        turn = await replay.command(user, "start")                  # -> Turn
        assert turn.text and "Yangi ariza" in turn.buttons()
        turn = await replay.press(user, "Yangi ariza")              # newest message with it
        turn = await replay.text(user, "Oshxonada quvur oqyapti")
        turn = await replay.contact(user)                           # share own phone number
        assert replay.services.requests                             # the fake request service

API (``replay`` is a :class:`Replay`):

* ``user(user_id, first_name="Test", language_code="ru", **kw)`` → ``SimulatedUser``
  (devkit.fakes.telegram); seeded people of the fake services are in ``devkit.fakes.seed``.
* ``await send(update_dict)`` → :class:`~devkit.tools.results.Turn` (``.calls``,
  ``.ok_calls``, ``.texts``, ``.text``, ``.methods``, ``.markup()``, ``.buttons()``,
  ``.transcript``); ``text(user, s)``, ``command(user, name, args="")``,
  ``press(user, button_text)``, ``press_at(user, message, button)``, ``contact(user, phone=…)``,
  ``photo(user, caption=…)``, ``location(user)`` build the update with the user and send it.
* ``await run(updates, speed=None)`` → :class:`~devkit.tools.results.RunResult`
  (``.transcript``, ``.text``, ``.texts(chat_id)``, ``.enqueued``, ``.dead_lettered``):
  ``updates`` is a ``Path`` to JSONL, JSONL text, or a list of update dicts (see
  ``devkit.tools.updates`` for the line format).
* ``transcript()`` → the whole test's :class:`~devkit.tools.transcript.Transcript`
  (``.render()`` is the text ``bot-gateway replay`` prints).
* ``telegram`` (``FakeTelegramState``: ``calls_to``, ``transcript``, ``bot_messages`` …),
  ``services`` (``FakeWorld`` of the fake services: users, requests, shifts, controls …),
  ``settings`` (the worker's ``Settings``), ``pipeline``.

The fakes are shared by the session and reset before each test (fresh seeded world, no chats,
calls or faults); the pipeline, worker and runtime are the test's own and start on first use.
Before that a test may change them with
``replay.configure(handler=…, routers=…, env=…, fake_services=…)`` or with the marker
``@pytest.mark.replay(handler="module:factory", routers=[make_router], env={"VAR": "value"})``:
``handler`` is a handler factory (or ``"module:callable"``) as ``bot-gateway worker --handler``
takes; ``routers`` (router objects or zero-argument callables returning one) runs the real runtime
with those routers instead of the feature routers; ``env`` are settings variables on top of the
environment. Outgoing pacing and per-user rate limits are off and retries are quick unless ``env``
says otherwise. The database is the run's (shared by tests): use user ids of a test's own when a
fresh ``bot_sessions`` row matters.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

import pytest
from aiogram import Router

from devkit.fakes.state import FakeWorld
from devkit.fakes.telegram import FakeTelegramState, SimulatedUser
from devkit.fakes.telegram.users import ButtonRef, MessageRef
from devkit.tools.fakeset import FakeSet, run_fake_set
from devkit.tools.harness import ReplayHarness
from devkit.tools.results import RunResult, Turn
from devkit.tools.transcript import Transcript
from shared.pipeline import Pipeline
from shared.settings import Settings, load_settings
from workers.pipeline.drain import HandlerFactory, UpdateHandler

__all__ = ["Replay", "runtime_with_routers"]

RouterSpec = Router | Callable[[], Router]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "replay(handler=None, routers=None, env=None, fake_services=True, events=False): "
        "configure the system the replay fixture starts",
    )


def runtime_with_routers(routers: Sequence[RouterSpec] | None) -> HandlerFactory:
    """A handler factory: the real runtime with ``routers`` (default: the feature routers)."""

    async def factory(ctx: dict[str, Any]) -> tuple[UpdateHandler, Any]:
        from workers.bot.runtime import RUNTIME_CTX_KEY, UpdateProcessor, build_runtime

        settings = ctx["settings"]
        # build_runtime frees each router from any earlier runtime's dispatcher itself.
        chosen = None if routers is None else [r if isinstance(r, Router) else r() for r in routers]
        runtime = await build_runtime(settings, routers=chosen, metrics_port=0)
        ctx[RUNTIME_CTX_KEY] = runtime
        return UpdateProcessor(runtime), runtime.close

    return factory


class Replay:
    """The fixture object; see the module docstring."""

    def __init__(self, database_url: str, fakes: FakeSet, marker_kwargs: Mapping[str, Any]) -> None:
        self._database_url = database_url
        self._fakes = fakes
        self.telegram: FakeTelegramState = fakes.telegram
        assert fakes.world is not None
        self.services: FakeWorld = fakes.world
        self._handler: Any = None
        self._routers: Sequence[RouterSpec] | None = None
        self._env: dict[str, str] = {}
        self._fake_services = True
        self._events = False
        self._harness: ReplayHarness | None = None
        self._lock = asyncio.Lock()
        if marker_kwargs:
            self.configure(**marker_kwargs)

    def configure(
        self,
        *,
        handler: HandlerFactory | str | None = None,
        routers: Sequence[RouterSpec] | None = None,
        env: Mapping[str, str] | None = None,
        fake_services: bool = True,
        events: bool = False,
    ) -> None:
        """Change what starts; only before the first ``send``/``run``/``start``.

        ``events=True`` also serves the internal events listener and points the fake services'
        event outbox at it, so every change they apply reaches the bot as §10 events."""
        if self._harness is not None:
            raise RuntimeError("replay.configure() must come before the system starts")
        if handler is not None and routers is not None:
            raise ValueError("pass handler or routers, not both")
        self._handler = handler
        self._routers = routers
        self._env.update(env or {})
        self._fake_services = fake_services
        self._events = events

    def _factory(self) -> HandlerFactory:
        if isinstance(self._handler, str):
            from workers.cli import load_handler_factory

            factory: HandlerFactory = load_handler_factory(self._handler)
            return factory
        if self._handler is not None:
            handler: HandlerFactory = self._handler
            return handler
        return runtime_with_routers(self._routers)

    async def start(self) -> ReplayHarness:
        async with self._lock:
            if self._harness is None:
                harness = ReplayHarness(
                    handler_factory=self._factory(),
                    overrides={"DATABASE_URL": self._database_url, **self._env},
                    fake_services=self._fake_services,
                    fakes=self._fakes,
                    events=self._events,
                )
                await harness.start()
                self._harness = harness
            return self._harness

    async def stop(self) -> None:
        if self._harness is not None:
            harness, self._harness = self._harness, None
            await harness.stop()

    # -- what a test reads ------------------------------------------------------------------

    @property
    def harness(self) -> ReplayHarness:
        if self._harness is None:
            raise RuntimeError("the system has not started yet: await replay.start() first")
        return self._harness

    @property
    def settings(self) -> Settings:
        settings = self.harness.settings
        assert settings is not None
        return settings

    @property
    def pipeline(self) -> Pipeline:
        pipeline = self.harness.pipeline
        assert pipeline is not None
        return pipeline

    def transcript(self) -> Transcript:
        return self.harness.transcript()

    async def settle(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109 — a deadline
        """Until every event the fakes emitted was accepted and every lane is idle."""
        harness = await self.start()
        await harness.settle(timeout)

    # -- feeding ----------------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        language_code: str | None = "ru",
        **kwargs: Any,
    ) -> SimulatedUser:
        return self.telegram.user(user_id, first_name, language_code, **kwargs)

    async def run(
        self,
        updates: Any,
        *,
        speed: float | None = None,
        timeout: float = 60.0,  # noqa: ASYNC109 — a deadline for the whole run
    ) -> RunResult:
        harness = await self.start()
        return await harness.run(updates, speed=speed, timeout=timeout)

    async def send(
        self,
        update: dict[str, Any],
        timeout: float = 30.0,  # noqa: ASYNC109 — a deadline for this step
    ) -> Turn:
        harness = await self.start()
        return await harness.send(update, timeout)

    async def text(self, user: SimulatedUser, text: str) -> Turn:
        return await self.send(user.send_text(None, text))

    async def command(self, user: SimulatedUser, name: str, args: str = "") -> Turn:
        return await self.send(user.send_command(name, args))

    async def press(self, user: SimulatedUser, button: str) -> Turn:
        """Press ``button`` on the newest bot message in the user's chat that has it."""
        return await self.send(user.press_button(button))

    async def press_at(self, user: SimulatedUser, message: MessageRef, button: ButtonRef) -> Turn:
        """Press a button (text, flat index or (row, col)) of a given bot message."""
        return await self.send(user.press(message, button))

    async def contact(self, user: SimulatedUser, phone: str = "+998901234567") -> Turn:
        return await self.send(user.share_contact(phone_number=phone))

    async def photo(self, user: SimulatedUser, caption: str | None = None) -> Turn:
        return await self.send(user.send_photo(caption=caption))

    async def location(
        self, user: SimulatedUser, latitude: float = 41.311081, longitude: float = 69.240562
    ) -> Turn:
        return await self.send(user.send_location(latitude=latitude, longitude=longitude))


@pytest.fixture(scope="session")
async def replay_database(database_url: str) -> str:
    """The run's database at the latest schema (migrated once per session)."""
    from shared.db.migrate import upgrade

    await asyncio.to_thread(upgrade, database_url)
    return database_url


@pytest.fixture(scope="session")
async def replay_fakes(redis_url: str) -> AsyncIterator[FakeSet]:
    """One set of fakes for the session (starting and stopping them costs a loop tick each);
    each test gets it reset to a fresh seeded world."""
    settings = load_settings()
    async with run_fake_set(
        bot_id=settings.telegram.bot_id,
        api_key=settings.services.service_api_key.get_secret_value(),
    ) as fakes:
        yield fakes


@pytest.fixture
async def replay(
    request: pytest.FixtureRequest, replay_database: str, replay_fakes: FakeSet
) -> AsyncIterator[Replay]:
    marker = request.node.get_closest_marker("replay")
    # The default quiet hours (22:00-08:00 Tashkent) would hold the notices tests expect when
    # the suite runs in the evening: every test starts in business hours (the fakes' clock, which
    # the gateway follows); the quiet-hours tests move it themselves.
    assert replay_fakes.world is not None
    replay_fakes.world.daytime = True
    await replay_fakes.reset()
    system = Replay(replay_database, replay_fakes, marker.kwargs if marker else {})
    try:
        yield system
    finally:
        await system.stop()
