"""Who is writing, on the paths the usual updates do not take: a sender that is a bot or missing
(forged updates carry whatever the forger wants), a worker without the prefetch round trip, and a
chat menu that cannot be set. Real runtime, fake Bot API and user service, real Redis."""

from __future__ import annotations

import io

from devkit.fakes.telegram import FakeTelegramServer
from devkit.fakes.telegram.errors import bad_request
from tests.runtime.conftest import RuntimeFactory, Services, feed, forge_press, new_user, texts_to
from tests.support import logged
from workers.bot.core.texts import ACCESS_BLOCKED, AWAITING_APPROVAL, NOT_REGISTERED


async def test_a_bot_sender_is_never_looked_up_and_passes_only_open_rules(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime(TELEGRAM_PACE_PRIVATE="off")
    # The user service knows this id as an admin: a "bot" with an admin's id gains nothing.
    forger = new_user(tg, services, "Admin", "approved", "admin")
    for label in ("anyone", "registered", "admins users"):
        update = forger.send_text(None, label)
        update["message"]["from"]["is_bot"] = True
        await feed(runtime, update)
    assert texts_to(tg.state, forger.chat_id) == ["ok anyone", NOT_REGISTERED, NOT_REGISTERED]
    assert services.calls("user", f"/users/by-telegram/{forger.id}") == 0


async def test_a_message_without_a_sender_passes_only_open_rules(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime(TELEGRAM_PACE_PRIVATE="off")
    person = new_user(tg, services, "Admin", "approved", "admin")
    for label in ("anyone", "approved"):
        update = person.send_text(None, label)
        del update["message"]["from"]
        await feed(runtime, update)
    assert texts_to(tg.state, person.chat_id) == ["ok anyone", NOT_REGISTERED]
    assert services.calls("user", f"/users/by-telegram/{person.id}") == 0


async def test_without_the_prefetch_the_auth_middleware_reads_and_caches_the_profile(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime(TELEGRAM_PACE_PRIVATE="off")
    runtime.prefetcher = None  # feed() builds its processor from the runtime on each update
    admin = new_user(tg, services, "Admin", "approved", "admin")
    pending = new_user(tg, services, "Pending", "pending")
    for person in (admin, pending):
        for label in ("approved", "admins users"):
            await feed(runtime, person.send_text(None, label))
    assert texts_to(tg.state, admin.chat_id) == ["ok approved", "ok admins users"]
    assert texts_to(tg.state, pending.chat_id) == [AWAITING_APPROVAL] * 2
    # Read once per person, then from the shared cache.
    assert services.calls("user", f"/users/by-telegram/{admin.id}") == 1
    assert services.calls("user", f"/users/by-telegram/{pending.id}") == 1


async def test_a_chat_menu_that_cannot_be_set_does_not_fail_the_update(
    make_runtime: RuntimeFactory,
    tg: FakeTelegramServer,
    services: Services,
    log_lines: io.StringIO,
) -> None:
    runtime = await make_runtime(TELEGRAM_PACE_PRIVATE="off")
    admin = new_user(tg, services, "Admin", "approved", "admin")
    tg.state.faults.add_error(1, bad_request("chat not found"), "setMyCommands")
    await feed(runtime, admin.send_text(None, "approved"))
    assert texts_to(tg.state, admin.chat_id) == ["ok approved"]
    failed = logged(log_lines, "chat_command_menu_failed")
    assert [line["level"] for line in failed] == ["warning"]
    # The menu was not remembered as set: the next update tries again, and succeeds.
    await feed(runtime, admin.send_text(None, "approved"))
    assert texts_to(tg.state, admin.chat_id) == ["ok approved"] * 2
    menus = tg.state.calls_to("setMyCommands", ok=True)
    assert [c.params.get("scope", {}).get("chat_id") for c in menus][-1:] == [admin.chat_id]


async def test_a_blocked_user_pressing_a_button_gets_the_notice_as_an_alert(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime(TELEGRAM_PACE_PRIVATE="off")
    user = new_user(tg, services, "Rustam", "blocked")
    await feed(runtime, user.send_command("kb"))
    assert texts_to(tg.state, user.chat_id) == [ACCESS_BLOCKED]
    # A button of a keyboard they were sent before the block (forged onto the newest message).
    await feed(runtime, forge_press(tg, user, "act:1"))
    answers = tg.state.calls_to("answerCallbackQuery", ok=True)
    assert [(a.params.get("text"), a.params.get("show_alert")) for a in answers] == [
        (ACCESS_BLOCKED, True)
    ]
