"""Access control fails closed: a handler or command without a usable rule is refused and logged;
declared rules combine; every feature handler declares one; a demotion takes effect within 5 s."""

from __future__ import annotations

import asyncio
import importlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
from aiogram import Router

from devkit.fakes.telegram import FakeTelegramServer
from shared.clients.models.users import User as Profile
from shared.settings import SettingsError, load_settings
from tests.runtime.bot import BROKEN_RULES
from tests.runtime.conftest import (
    RuntimeFactory,
    Services,
    feed,
    forge_press,
    new_id,
    new_user,
    texts_to,
)
from tests.support import logged
from workers.bot.core.access import LEVELS, level_spec, refusal
from workers.bot.core.auth import AuthContext
from workers.bot.core.catalog import CommandSpec
from workers.bot.core.texts import (
    ACCESS_BLOCKED,
    AWAITING_APPROVAL,
    COMMAND_DISABLED,
    NOT_REGISTERED,
    ROLE_REFUSED,
)
from workers.bot.runtime.routers import feature_routers


async def test_handlers_without_a_usable_rule_are_refused_and_logged(
    make_runtime: RuntimeFactory,
    tg: FakeTelegramServer,
    services: Services,
    log_lines: io.StringIO,
) -> None:
    runtime = await make_runtime(TELEGRAM_PACE_PRIVATE="off")
    admin = new_user(tg, services, "Admin", "approved", "admin")
    # Even the most privileged user gets nothing from a handler that cannot be checked.
    await feed(runtime, admin.send_command("norule"))
    for label in BROKEN_RULES:
        await feed(runtime, admin.send_text(None, label))
    assert texts_to(tg.state, admin.chat_id) == [COMMAND_DISABLED] * (1 + len(BROKEN_RULES))
    missing = logged(log_lines, "access_rule_missing")
    assert len(missing) == 1 + len(BROKEN_RULES)
    assert {line["level"] for line in missing} == {"error"}
    assert all(line["handler"] == "ok" for line in missing)
    # A callback without a rule is refused too, and still answered (with an alert).
    await feed(runtime, admin.send_command("kb"))
    await feed(runtime, forge_press(tg, admin, "norule:1"))
    answers = tg.state.calls_to("answerCallbackQuery", ok=True)
    assert answers[-1].params.get("text") == COMMAND_DISABLED
    assert answers[-1].params.get("show_alert") is True
    assert len(logged(log_lines, "access_rule_missing")) == 2 + len(BROKEN_RULES)


async def test_levels_and_combined_rules(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime(TELEGRAM_PACE_PRIVATE="off")
    stranger = new_user(tg, services, "Anon")
    pending = new_user(tg, services, "Pending", "pending")
    manager = new_user(tg, services, "Manager", "approved", "manager")
    admin = new_user(tg, services, "Admin", "approved", "admin")
    blocked = new_user(tg, services, "Blocked", "blocked")
    for person in (stranger, pending, manager, admin, blocked):
        for label in ("anyone", "registered", "approved", "admins users"):
            await feed(runtime, person.send_text(None, label))
    assert texts_to(tg.state, stranger.chat_id) == [
        "ok anyone",
        NOT_REGISTERED,
        NOT_REGISTERED,
        NOT_REGISTERED,
    ]
    assert texts_to(tg.state, pending.chat_id) == [
        "ok anyone",
        "ok registered",
        AWAITING_APPROVAL,
        AWAITING_APPROVAL,
    ]
    # The catalogue lets managers use /users; the handler's own roles allow admins only.
    assert texts_to(tg.state, manager.chat_id) == [
        "ok anyone",
        "ok registered",
        "ok approved",
        ROLE_REFUSED,
    ]
    assert texts_to(tg.state, admin.chat_id)[-1] == "ok admins users"
    assert texts_to(tg.state, blocked.chat_id) == ["ok anyone"] + [ACCESS_BLOCKED] * 3


def test_refusal_rules_by_status() -> None:
    def auth(status: str, role: str | None = None) -> AuthContext:
        profile = Profile(
            id=1,
            telegram_id=1,
            status=status,  # type: ignore[arg-type]
            roles=[role] if role else [],  # type: ignore[list-item]
            active_role=role,  # type: ignore[arg-type]
        )
        return AuthContext(1, profile, None, None)  # type: ignore[arg-type]

    disabled = CommandSpec("x", "approved", (), "", "", False, 0)
    assert refusal(disabled, auth("approved")) == COMMAND_DISABLED
    assert refusal(level_spec("anyone"), None) is None
    assert refusal(level_spec("public"), None) is None
    assert refusal(level_spec("public"), auth("blocked")) == ACCESS_BLOCKED
    assert refusal(level_spec("registered"), auth("pending")) is None
    assert refusal(level_spec("approved", ("admin",)), auth("approved", "manager")) == ROLE_REFUSED
    assert refusal(level_spec("approved", ("admin",)), auth("approved", "admin")) is None
    assert {"anyone", "public", "registered", "approved"} == LEVELS


def _handlers(router: Router) -> Iterator[tuple[str, Any]]:
    for name in ("message", "callback_query"):
        for handler in router.observers[name].handlers:
            yield name, handler
    for sub in router.sub_routers:
        yield from _handlers(sub)


def test_every_feature_handler_declares_its_rule() -> None:
    seed = importlib.import_module("migrations.versions.0002_seed_bot_commands")
    catalogue = {row[0] for row in seed.COMMANDS}
    catalogue.add(importlib.import_module("migrations.versions.0004_notification_prefs").COMMAND)
    undeclared, unknown = [], []
    for root in feature_routers():
        for kind, handler in _handlers(root):
            flags = handler.flags
            where = f"{kind} {handler.callback.__module__}.{handler.callback.__qualname__}"
            if not {"command", "roles", "access"} & set(flags):
                undeclared.append(where)
            if "command" in flags and flags["command"] not in catalogue:
                unknown.append(f"{where}: {flags['command']}")
            if "access" in flags and flags["access"] not in LEVELS:
                unknown.append(f"{where}: level {flags['access']}")
    assert undeclared == []
    assert unknown == []


def test_staff_commands_name_their_roles_in_code() -> None:
    from workers.bot.features.admin import analytics, settings, users

    # (aiogram adds a "commands" flag of its own to handlers with a Command filter)
    assert (users._USERS["command"], users._USERS["roles"]) == ("users", ("manager", "admin"))
    assert analytics._ANALYTICS["roles"] == ("manager", "admin")
    assert (settings._SETTINGS["command"], settings._SETTINGS["roles"]) == ("settings", ("admin",))


def test_the_profile_cache_behind_role_decisions_is_at_most_5_seconds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().worker.profile_cache_seconds == 5
    monkeypatch.setenv("WORKER_PROFILE_CACHE_SECONDS", "30")
    with pytest.raises(SettingsError, match="WORKER_PROFILE_CACHE_SECONDS"):
        load_settings()


async def test_a_demoted_manager_loses_staff_commands_within_5_seconds(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime(
        TELEGRAM_PACE_PRIVATE="off",
        RATE_LIMIT_COMMANDS_PER_MINUTE="10000",
        RATE_LIMIT_MESSAGES_PER_MINUTE="10000",
        WORKER_PROFILE_CACHE_SECONDS="5",
    )
    manager = tg.state.user(new_id(), "Manager")
    rec = services.add_user(manager.id, status="approved", roles=["manager"], active_role="manager")
    loop = asyncio.get_running_loop()
    await feed(runtime, manager.send_command("users"))  # reads the profile and caches it
    cached_at = loop.time()  # the latest moment the cached copy can have been written
    assert texts_to(tg.state, manager.chat_id) == ["users list"]
    rec.roles, rec.active_role = ["applicant"], "applicant"
    while True:
        started = loop.time()
        await feed(runtime, manager.send_command("users"))
        if texts_to(tg.state, manager.chat_id)[-1] == ROLE_REFUSED:
            break
        # Any update that starts once the cached profile is 5 s old must see the demotion.
        assert started < cached_at + 5.05, "still a manager after the profile cache time"
        await asyncio.sleep(0.2)  # the user's pace between retries, not synchronisation
