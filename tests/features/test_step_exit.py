"""A command or a main-menu button typed in any step of any flow leaves the step and runs; it is
never taken as the step's input (stored in the form, or sent to a service).

Every FSM state of every flow (each ``StatesGroup`` of the features and every state a message
handler waits in, found in the code, so a new flow is walked too) meets every command but /cancel
(the catalogue's rows of every migration and every ``Command`` filter of the routers) and every
main-menu label in RU and UZ, with and without a count badge: each pair
in a chat of its own (a copy of a seeded person with the flow's role, put into the state with a
form in progress), fed through the real pipeline a batch at a time. Afterwards no service call
carries the typed text in its body or query, no FSM data holds it, the bot answered every one,
and the form in progress is parked (kept), not lost.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import json
import pkgutil
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio import Redis

from devkit.fakes.seed import ADMIN, MANAGER, NEIGHBOUR, NEWCOMER, PLUMBER, RESIDENT, SeedUser
from devkit.fakes.state import FakeWorld
from tests.features.executor.helpers import tx
from tests.replay_plugin import Replay
from workers.bot import features
from workers.bot.core import ui
from workers.bot.core.parked import PARKED
from workers.bot.core.ui import texts as ui_texts
from workers.bot.core.ui.menu import BUTTON_TEXTS
from workers.bot.features.requests import texts as req_texts
from workers.bot.runtime.routers import feature_routers

ROOT = Path(__file__).resolve().parents[2]
BATCH = 60
FORM = {"draft_id": "5150", "note": "form in progress"}
APARTMENT_RU = "Olmazor-1, Navoiy ko'chasi 12, кв. 5"

# Whose flow each states group is.
FLOW_OWNERS: dict[str, SeedUser] = {
    "CreateRequest": RESIDENT,
    "StatusLookup": RESIDENT,
    "ReturnFlow": RESIDENT,
    "ReplyClarification": RESIDENT,
    "CommentFlow": RESIDENT,
    "CompleteFlow": PLUMBER,
    "PurchaseFlow": PLUMBER,
    "ManagerComment": MANAGER,
    "UserSearch": MANAGER,
    "BroadcastCompose": MANAGER,
    "SettingsEdit": ADMIN,
    "Onboarding": NEWCOMER,
}


def _handlers() -> list[Any]:
    """Every message handler of the feature routers (sub-routers included)."""
    found: list[Any] = []
    pending = list(feature_routers())
    while pending:
        router = pending.pop()
        pending.extend(router.sub_routers)
        found.extend(router.message.handlers)
    return found


def _declared_states() -> set[str]:
    """Every state of every ``StatesGroup`` the feature packages declare."""
    for module in pkgutil.walk_packages(features.__path__, f"{features.__name__}."):
        importlib.import_module(module.name)
    groups: list[type[StatesGroup]] = []
    pending = list(StatesGroup.__subclasses__())
    while pending:
        group = pending.pop()
        pending.extend(group.__subclasses__())
        if group.__module__.startswith(features.__name__):
            groups.append(group)
    return {s.state for g in groups for s in g.__all_states__ if s.state}


def text_states() -> list[str]:
    """Every state of the features: declared in a group, or waited in by a message handler."""
    states = _declared_states()
    for handler in _handlers():
        for flt in handler.filters or []:
            found = flt.callback.states if isinstance(flt.callback, StateFilter) else []
            if isinstance(flt.callback, State):
                found = [flt.callback]
            states.update(s.state for s in found if isinstance(s, State) and s.state)
    return sorted(states)


def _load_migration(name: str) -> Any:
    path = ROOT / "migrations" / "versions" / name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def catalogue_commands() -> list[str]:
    """Every command but /cancel (which has its own rule): the ``bot_commands`` rows every
    migration seeds, and every ``Command`` filter of the routers (one the catalogue lacks too)."""
    names = {row[0] for row in _load_migration("0002_seed_bot_commands.py").COMMANDS}
    names.add(_load_migration("0004_notification_prefs.py").COMMAND)
    for handler in _handlers():
        for flt in handler.filters or []:
            if isinstance(flt.callback, Command):
                names.update(c for c in flt.callback.commands if isinstance(c, str))
    names.discard("cancel")
    return [f"/{name}" for name in sorted(names)]


def menu_labels() -> list[str]:
    """Every main-menu label but Cancel in RU and UZ; the badged ones also with a count.

    Translated here with the catalogs (outside an update there is no locale context, and
    ``ui.button_text`` would give the Russian text for both languages)."""
    buttons = [b for b in ui.MenuButton if b is not ui.MenuButton.CANCEL]
    badged = (ui.MenuButton.ACCEPTANCE, ui.MenuButton.USERS)
    labels = [tx(BUTTON_TEXTS[b], locale) for locale in ("ru", "uz") for b in buttons]
    labels += [f"{tx(BUTTON_TEXTS[b], locale)} (3)" for locale in ("ru", "uz") for b in badged]
    assert len(set(labels)) == len(labels), "a label not translated, or two buttons alike"
    return labels


def _clone(world: FakeWorld, who: SeedUser, index: int) -> SeedUser:
    copy = SeedUser(20_000 + index, 2_000_000 + index)
    world.users[copy.id] = dataclasses.replace(
        world.users[who.id],
        id=copy.id,
        telegram_id=copy.telegram_id,
        language_code=("ru", "uz")[index % 2],
    )
    return copy


def _carries(call: Any, typed: str) -> bool:
    """Whether a service call sent ``typed`` as data (its body or a query value, not its path)."""
    body = json.dumps(call.body, ensure_ascii=False) if call.body is not None else ""
    return typed in body or typed in unquote_plus(call.query or "")


async def test_commands_and_menu_buttons_leave_every_step(replay: Replay, redis: Redis) -> None:
    await replay.start()
    world = replay.services
    states = text_states()
    assert {s.split(":")[0] for s in states} <= set(FLOW_OWNERS), "a flow without an owner"
    commands = catalogue_commands()
    # The walk itself is checked: the flows and inputs the issue named are among them.
    assert {"/broadcast", "/notifications", "/request_status", "/users", "/take_shift"} <= set(
        commands
    )
    assert {"CreateRequest:description", "ManagerComment:text", "UserSearch:query"} <= set(states)
    inputs = commands + menu_labels()
    assert len(inputs) > 50
    storage = RedisStorage(
        redis,
        key_builder=DefaultKeyBuilder(
            prefix=f"{replay.settings.redis.key_prefix}:fsm", with_bot_id=True
        ),
    )
    bot_id = replay.settings.telegram.bot_id
    cases = [(state, typed) for state in states for typed in inputs]
    keys: list[tuple[StorageKey, str, str, int]] = []
    for start in range(0, len(cases), BATCH):
        updates = []
        for index, (state, typed) in enumerate(cases[start : start + BATCH], start):
            person = _clone(world, FLOW_OWNERS[state.split(":")[0]], index)
            user = replay.user(person.telegram_id, f"U{index}", language_code="ru")
            key = StorageKey(bot_id=bot_id, chat_id=user.chat_id, user_id=user.id)
            await storage.set_state(key, state)
            await storage.set_data(key, FORM)
            keys.append((key, state, typed, user.chat_id))
            updates.append(user.send_text(None, typed))
        result = await replay.run(updates, timeout=180)
        assert not result.dead_lettered

    typed_inputs = set(inputs)
    leaked = [
        (c.method, c.path, typed)
        for controls in world.controls.values()
        for c in controls.calls
        for typed in typed_inputs
        if _carries(c, typed)
    ]
    assert leaked == []
    silent, stored, lost = [], [], []
    for key, state, typed, chat_id in keys:
        if not replay.telegram.bot_messages(chat_id):
            silent.append((state, typed))
        data = await storage.get_data(key)
        if typed in json.dumps(data, ensure_ascii=False):
            stored.append((state, typed))
        now = await storage.get_state(key)
        kept = data.get(PARKED, {}).get("data") == FORM or (now == state and data == FORM)
        # /start always starts over (docs/behaviour.md §2); a command that starts a flow of its own
        # replaces the form; every other one keeps it.
        if now is None and not kept and typed != "/start":
            lost.append((state, typed))
    assert (silent, stored) == ([], [])
    assert lost == [], sorted({typed for _, typed in lost})


async def test_a_request_form_survives_a_command_and_continues_in_russian(
    replay: Replay,
) -> None:
    user = replay.user(NEIGHBOUR.telegram_id, "Malika")
    await replay.command(user, "create_request")
    await replay.press(user, "Сантехника")
    turn = await replay.press(user, APARTMENT_RU)
    assert "от 10 до 2000 символов" in turn.text
    # /request_status typed at the description step: it runs, nothing is taken as the text.
    number = replay.services.seed_requests["new"]
    turn = await replay.command(user, "request_status", number)
    assert turn.texts[-1] == tx(ui_texts.PARKED_OFFER, "ru")
    assert [c for c in replay.services.controls["request"].calls if c.method == "POST"] == []
    # Idle now (the form is parked): a menu button just runs, and the form waits.
    turn = await replay.text(user, "Мои заявки")
    assert turn.texts[0].startswith("<b>Мои заявки</b>")
    turn = await replay.press(user, "Продолжить")
    assert "от 10 до 2000 символов" in turn.text  # the description step again
    turn = await replay.text(user, "Течёт кран на кухне")
    assert "Шаг 4 из 5" in turn.text  # the draft kept its category and address


async def test_a_clarifying_question_is_not_sent_as_a_menu_text_in_uzbek(
    replay: Replay,
) -> None:
    world = replay.services
    world.users[MANAGER.id].language_code = "uz"
    user = replay.user(MANAGER.telegram_id, "Nodira", language_code="uz")
    purchase = world.seed_requests["purchase"]
    await replay.text(user, "Arizalar")
    await replay.press(user, "Xarid")
    await replay.press(user, f"№ {purchase}")
    await replay.press(user, "Aniqlashtirish")
    before = len(world.controls["request"].calls)
    turn = await replay.text(user, "Analitika")  # the Analytics button, not the question
    assert turn.texts[-1] == tx(ui_texts.PARKED_OFFER, "uz")
    assert [c for c in world.controls["request"].calls[before:] if c.method != "GET"] == []
    assert world.requests[purchase].status == "purchase"
    turn = await replay.press(user, "Qoralamani o'chirish")
    assert turn.text == tx(ui_texts.PARKED_DISCARDED, "uz")
    # The question step is gone: text is plain text again, not a question.
    await replay.text(user, "Qaysi radiator?")
    assert world.requests[purchase].status == "purchase"
    assert [c for c in world.controls["request"].calls[before:] if c.method != "GET"] == []


@pytest.mark.parametrize("language", ["ru", "uz"])
async def test_request_status_asked_for_a_number_mid_form_keeps_the_form(
    replay: Replay, language: str
) -> None:
    """/request_status alone, typed at the description step, asks for the number; the form
    stays parked through that step and is offered back once the card is shown."""
    world = replay.services
    who, category, address = {
        "ru": (NEIGHBOUR, "Сантехника", APARTMENT_RU),
        "uz": (RESIDENT, "Santexnika", "Olmazor-1 (butun hovli)"),
    }[language]
    world.users[who.id].language_code = language
    user = replay.user(who.telegram_id, "Resident", language_code=language)
    await replay.command(user, "create_request")
    await replay.press(user, category)
    turn = await replay.press(user, address)
    description_step = tx(req_texts.STEP_DESCRIPTION, language).split(".")[0]
    assert turn.text.startswith(description_step)

    turn = await replay.command(user, "request_status")
    assert turn.texts == [tx(req_texts.ASK_NUMBER, language, example="250114-007")]
    turn = await replay.text(user, "12345")  # a bad number: asked again, the form still kept
    assert turn.texts == [tx(req_texts.BAD_NUMBER, language, example="250114-007")]
    number = world.seed_requests["new"]
    turn = await replay.text(user, number)
    assert turn.texts[-1] == tx(ui_texts.PARKED_OFFER, language)
    assert [c for c in world.controls["request"].calls if c.method == "POST"] == []

    turn = await replay.press(user, tx(ui_texts.BTN_PARKED_CONTINUE, language))
    assert any(t.startswith(description_step) for t in turn.texts)
    turn = await replay.text(user, "Течёт кран на кухне, нужен мастер")
    assert turn.text == tx(req_texts.STEP_URGENCY, language)  # category and address kept
