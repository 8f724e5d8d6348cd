"""Button data is untrusted input. Properties (hypothesis), for every callback factory of the bot
and every handler behind it:

- every field of every factory is constrained (a Literal, a pattern, bounds), so a value that does
  not fit never reaches a handler;
- whatever random or hostile data is unpacked, what comes out is made of safe characters and
  round-trips;
- pressed in the running system by users of every role, random and hostile data is always
  answered, never ends in an apology born of a failure, and never makes a service call with a
  path segment that was not validated.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal, get_args, get_origin

import pytest
from aiogram.filters.callback_data import CallbackData
from annotated_types import Ge, Gt, Le, Lt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from devkit.fakes import seed
from devkit.fakes.telegram import SimulatedUser
from tests.features.common.support import answered_queries, press_raw
from tests.replay_plugin import Replay
from workers.bot.core.texts import APOLOGY, UNAVAILABLE
from workers.bot.locales import create_i18n
from workers.bot.runtime.routers import feature_routers


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def factories() -> list[type[CallbackData]]:
    feature_routers()  # imports every feature (and the core modules they use)
    found = [c for c in _subclasses(CallbackData) if c.__module__.startswith("workers.")]
    return sorted(found, key=lambda c: c.__prefix__)


FACTORIES = factories()
HOSTILE = [
    "x/../../users/5",
    "250101-001/../../users/5",
    "..",
    ".",
    "",
    "%2e%2e%2fusers",
    "a?b=1",
    "a#b",
    "-1",
    "0",
    "99999999999999999999",
    "1e3",
    "١٢٣",  # Arabic-Indic digits: int() takes them, a URL should not
    "<b>x</b>",
    "' OR 1=1 --",
    "\u202e",
    "a b",
    "x" * 70,
]
PLAUSIBLE = ["250101-001", "991231-9999999", "1", "2", "5", "3", "all", "n", "a.1", "p.-.1."]
SAFE_TEXT = re.compile(r"^[A-Za-z0-9_.\-]*$")


def _field_tokens(field: Any) -> list[str]:
    annotation = field.annotation
    options = [str(a) for a in get_args(annotation)] if get_origin(annotation) is Literal else []
    return options + PLAUSIBLE + HOSTILE


def data_for(factory: type[CallbackData]) -> st.SearchStrategy[str]:
    """``prefix:field:field…`` with each field plausible, one of its codes, hostile or random;
    sometimes a field too few or too many."""
    prefix: str = factory.__prefix__
    fields = st.tuples(
        *[
            st.one_of(st.sampled_from(_field_tokens(f)), st.text(max_size=12))
            for f in factory.model_fields.values()
        ]
    )

    def pack(drawn: tuple[tuple[str, ...], int]) -> str:
        values, arity = [v.replace(":", "") for v in drawn[0]], drawn[1]
        if arity < 0:
            values = values[:-1]
        elif arity > 0:
            values.append("1")
        return ":".join([prefix, *values])

    return st.tuples(fields, st.integers(min_value=-1, max_value=1)).map(pack)


def test_every_factory_constrains_every_field() -> None:
    assert len(FACTORIES) >= 40
    loose = []
    for factory in FACTORIES:
        for name, field in factory.model_fields.items():
            kinds = {type(m) for m in field.metadata}
            annotation = field.annotation
            if get_origin(annotation) is Literal or annotation is bool:
                continue
            if annotation is int and kinds & {Ge, Gt} and kinds & {Le, Lt}:
                continue
            patterned = any(getattr(m, "pattern", None) for m in field.metadata)
            if annotation is str and patterned:
                continue
            loose.append(f"{factory.__name__}.{name}: {annotation} {field.metadata}")
    assert loose == []


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(FACTORIES).flatmap(lambda f: st.tuples(st.just(f), data_for(f))))
def test_whatever_is_unpacked_is_safe_and_round_trips(case: tuple[type[CallbackData], str]) -> None:
    factory, data = case
    try:
        value = factory.unpack(data)
    except (ValueError, TypeError):
        return  # refused: the handler never runs
    for name in factory.model_fields:
        field = getattr(value, name)
        if isinstance(field, str):
            assert SAFE_TEXT.match(field), (data, name, field)
            assert field not in (".", ".."), (data, name)
        elif isinstance(field, int):
            assert 0 <= field < 2**53, (data, name, field)
    assert factory.unpack(value.pack()) == value


# -- in the running system ------------------------------------------------------------------------

PEOPLE = {
    "resident": seed.RESIDENT,
    "executor": seed.PLUMBER,
    "manager": seed.MANAGER,
    "admin": seed.ADMIN,
    "blocked": seed.BLOCKED,
}
SEGMENT = re.compile(r"^[A-Za-z0-9_\-]+$")


def _apologies() -> set[str]:
    i18n = create_i18n()
    return {i18n.gettext(t, locale=loc) for t in (APOLOGY, UNAVAILABLE) for loc in ("ru", "uz")}


def _bad_segments(replay: Replay) -> list[str]:
    return [
        f"{service} {call.method} {call.path}"
        for service, control in replay.services.controls.items()
        for call in control.calls
        if any(
            segment and not SEGMENT.match(segment)
            for segment in call.path.removeprefix("/api/v1").strip("/").split("/")
        )
    ]


@pytest.mark.replay(env={"WORKER_PROFILE_CACHE_SECONDS": "5"})
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    who=st.sampled_from(sorted(PEOPLE)),
    data=st.sampled_from(FACTORIES).flatmap(data_for),
)
async def test_hostile_presses_are_answered_without_failures_or_unvalidated_calls(
    replay: Replay, who: str, data: str
) -> None:
    person = PEOPLE[who]
    user = replay.user(person.telegram_id, who.title())
    await _press_and_check(replay, user, data)


async def _press_and_check(replay: Replay, user: SimulatedUser, data: str) -> None:
    message = replay.telegram.last_bot_message(user.chat_id)
    if message is None:
        await replay.command(user, "help")
        message = replay.telegram.last_bot_message(user.chat_id)
    assert message is not None
    opened_before, answered_before = answered_queries(replay, user.id)
    turn = await press_raw(replay, user, message, data)
    opened, answered = answered_queries(replay, user.id)
    assert (opened - opened_before, answered - answered_before) == (1, 1), data
    said = {str(c.params.get("text")) for c in turn.calls if c.params.get("text")}
    assert not said & _apologies(), (data, said)
    assert _bad_segments(replay) == [], data


def _plausible(factory: type[CallbackData]) -> str | None:
    """Data every field of which validates (ids of nobody, numbers of no request): what a
    forged but well-formed press carries. ``None`` if no candidate fits some field."""
    values = []
    for field in factory.model_fields.values():
        shape: Any = field.annotation
        if field.metadata:
            shape = Annotated[(shape, *field.metadata)]
        adapter: TypeAdapter[Any] = TypeAdapter(shape)
        for candidate in [*_field_tokens(field), "2026-12-07", "abc"]:
            try:
                adapter.validate_python(candidate)
            except ValidationError:
                continue
            values.append(candidate)
            break
        else:
            return None
    return ":".join([factory.__prefix__, *values])


def _owner(factory: type[CallbackData]) -> str:
    """Who can reach the factory's handlers: their feature's role."""
    module = factory.__module__
    if ".executor." in module or ".shifts." in module:
        return "executor"
    if ".admin." in module or "broadcast" in module:
        return "admin"
    return "resident"


@pytest.mark.replay(env={"WORKER_PROFILE_CACHE_SECONDS": "5"})
async def test_well_formed_forged_presses_reach_handlers_that_cope(replay: Replay) -> None:
    missing = []
    for factory in FACTORIES:
        data = _plausible(factory)
        if data is None:
            missing.append(factory.__name__)
            continue
        person = PEOPLE[_owner(factory)]
        user = replay.user(person.telegram_id, _owner(factory).title())
        await _press_and_check(replay, user, data)
    assert missing == []
