"""setMyCommands: the default menus once across workers, staff chats their role's menu."""

from __future__ import annotations

import asyncio

from devkit.fakes.telegram import FakeTelegramServer
from tests.runtime.conftest import RuntimeFactory, Services, feed, new_id


async def test_two_workers_publish_the_menus_once(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    first, second = await asyncio.gather(
        make_runtime(publish_commands=True), make_runtime(publish_commands=True)
    )
    calls = tg.state.calls_to("setMyCommands", ok=True)
    # One call each: no language (Russian fallback), ru, uz; not six.
    assert sorted(str(c.params.get("language_code")) for c in calls) == ["None", "ru", "uz"]
    ru = next(c for c in calls if c.params.get("language_code") == "ru")
    uz = next(c for c in calls if c.params.get("language_code") == "uz")
    ru_commands = [c["command"] for c in ru.params["commands"]]
    assert ru_commands[:2] == ["start", "help"]
    assert "create_request" in ru_commands  # residents see their commands by default
    assert "users" not in ru_commands and "settings" not in ru_commands  # staff-only
    assert uz.params["commands"][0]["description"] == "Bot bilan ishlashni boshlash"
    # A third worker starting later finds the marker and sends nothing.
    assert await (await make_runtime()).menus.publish_default(first.bot) is False
    assert len(tg.state.calls_to("setMyCommands")) == 3
    assert second is not first


async def test_a_staff_chat_gets_its_roles_menu_once(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime(TELEGRAM_PACE_PRIVATE="off")
    admin = tg.state.user(new_id(), "Admin", "uz")
    resident = tg.state.user(new_id(), "Resident")
    services.add_user(
        admin.id, status="approved", roles=["admin"], active_role="admin", language_code="uz"
    )
    services.add_user(resident.id, status="approved")
    for _ in range(2):
        await feed(runtime, admin.send_command("echo"))
        await feed(runtime, resident.send_command("echo"))
    calls = tg.state.calls_to("setMyCommands", ok=True)
    assert len(calls) == 1  # the admin's chat once; the resident keeps the default menu
    scope = calls[0].params["scope"]
    assert scope == {"type": "chat", "chat_id": admin.chat_id}
    commands = [c["command"] for c in calls[0].params["commands"]]
    assert {"users", "analytics", "settings"} <= set(commands)
    assert calls[0].params["commands"][0]["description"] == "Bot bilan ishlashni boshlash"
    # Another worker (fresh in-process cache) sees the marker in Redis and sends nothing.
    other = await make_runtime(TELEGRAM_PACE_PRIVATE="off")
    await feed(other, admin.send_command("echo"))
    assert len(tg.state.calls_to("setMyCommands")) == 1
