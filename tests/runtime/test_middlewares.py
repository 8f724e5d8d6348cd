"""Rate limit, locale selection, auth (profile cache, token cache, 401 refresh) and access."""

from __future__ import annotations

import re

from sqlalchemy import update

from devkit.fakes.telegram import FakeTelegramServer
from shared.db.models import BotCommand
from tests.runtime.conftest import RuntimeFactory, Services, feed, new_id, new_user, texts_to
from tests.runtime.test_processing import counter
from workers.bot.core.texts import (
    ACCESS_BLOCKED,
    AWAITING_APPROVAL,
    COMMAND_DISABLED,
    NOT_REGISTERED,
    ROLE_REFUSED,
)

SLOW_DOWN_RU = "Слишком много сообщений"


# -- rate limit -----------------------------------------------------------------------------------


async def test_messages_per_minute_then_one_warning_then_silence(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime(RATE_LIMIT_MESSAGES_PER_MINUTE="4", TELEGRAM_PACE_PRIVATE="off")
    user = tg.state.user(new_id(), "Aziz")
    before = counter("bot_gateway_worker_updates_throttled_total", limit="messages_per_minute")
    for i in range(7):
        await feed(runtime, user.send_text(None, f"m{i}"))
    sent = texts_to(tg.state, user.chat_id)
    assert sent[:4] == ["text m0", "text m1", "text m2", "text m3"]
    assert len(sent) == 5 and sent[4].startswith(SLOW_DOWN_RU)  # one warning, then silence
    after = counter("bot_gateway_worker_updates_throttled_total", limit="messages_per_minute")
    assert after == before + 3


async def test_commands_per_minute_are_limited_separately(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime(RATE_LIMIT_COMMANDS_PER_MINUTE="2", TELEGRAM_PACE_PRIVATE="off")
    user = tg.state.user(new_id(), "Aziz", "uz")
    for _ in range(3):
        await feed(runtime, user.send_command("echo"))
    await feed(runtime, user.send_text(None, "plain text still passes"))
    sent = texts_to(tg.state, user.chat_id)
    assert sent[:2] == ["echo 1 /echo", "echo 2 /echo"]
    # The warning is in the user's language and says when the next command may come.
    assert re.fullmatch(r"Ketma-ket buyruqlar juda ko'p\. Keyingi buyruqni (\d+) .*", sent[2])
    assert sent[3] == "text plain text still passes"


async def test_messages_per_hour(make_runtime: RuntimeFactory, tg: FakeTelegramServer) -> None:
    runtime = await make_runtime(
        RATE_LIMIT_MESSAGES_PER_MINUTE="100",
        RATE_LIMIT_MESSAGES_PER_HOUR="3",
        TELEGRAM_PACE_PRIVATE="off",
    )
    user = tg.state.user(new_id(), "Aziz")
    for i in range(5):
        await feed(runtime, user.send_text(None, f"m{i}"))
    sent = texts_to(tg.state, user.chat_id)
    assert len(sent) == 4 and sent[3].startswith(SLOW_DOWN_RU)
    # Past a minute the notice gives the clock time (Tashkent) and the minutes left.
    found = re.search(r"в (\d\d):(\d\d) \(через (\d+) мин\.\)", sent[3])
    assert found is not None and 58 <= int(found.group(3)) <= 60


async def test_a_throttled_callback_is_still_answered(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime(RATE_LIMIT_MESSAGES_PER_MINUTE="2", TELEGRAM_PACE_PRIVATE="off")
    user = tg.state.user(new_id(), "Aziz")
    await feed(runtime, user.send_command("kb"))
    for _ in range(3):
        await feed(runtime, user.press_button("Go"))
    answers = tg.state.calls_to("answerCallbackQuery", ok=True)
    assert len(answers) == 3  # every press answered, so no button keeps spinning
    assert answers[0].params["text"] == "done"
    assert answers[1].params.get("show_alert") is True
    assert str(answers[1].params["text"]).startswith(SLOW_DOWN_RU)
    # Later presses of the window: the time left as a toast, never an empty answer.
    assert not answers[2].params.get("show_alert")
    assert str(answers[2].params["text"]).startswith(SLOW_DOWN_RU)


# -- locale ---------------------------------------------------------------------------------------


async def test_locale_follows_language_code_then_the_saved_choice(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime()
    uz = tg.state.user(new_id(), "Aziz", "uz")
    en = tg.state.user(new_id(), "John", "en")
    nocode = tg.state.user(new_id(), "Anon", None)
    for person in (uz, en, nocode):
        await feed(runtime, person.send_command("help"))
    disabled_uz = runtime.i18n.gettext(COMMAND_DISABLED, locale="uz")
    assert texts_to(tg.state, uz.chat_id) == [f"uz|{disabled_uz}"]
    assert texts_to(tg.state, en.chat_id) == [f"ru|{COMMAND_DISABLED}"]
    assert texts_to(tg.state, nocode.chat_id) == [f"ru|{COMMAND_DISABLED}"]
    # A saved choice beats language_code.
    await runtime.sessions.set_language(uz.chat_id, uz.id, "ru")
    await feed(runtime, uz.send_command("help"))
    assert texts_to(tg.state, uz.chat_id)[-1] == f"ru|{COMMAND_DISABLED}"


async def test_without_a_language_code_the_admins_default_language_decides(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime()
    store = runtime.dispatcher.workflow_data["gateway_settings"]
    await store.set("default_language", "uz", actor_user_id=1, actor_telegram_id=1)
    nocode = tg.state.user(new_id(), "Anon", None)
    english = tg.state.user(new_id(), "John", "en")
    await feed(runtime, nocode.send_command("help"))
    await feed(runtime, english.send_command("help"))
    assert texts_to(tg.state, nocode.chat_id)[0].startswith("uz|")
    assert texts_to(tg.state, english.chat_id)[0].startswith("ru|")  # a code, not uz: Russian


async def test_the_saved_choice_survives_an_expired_session_cache(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, redis
) -> None:
    runtime = await make_runtime()
    user = tg.state.user(new_id(), "Aziz", "ru")
    await runtime.sessions.set_language(user.chat_id, user.id, "uz")
    await runtime.sessions.writer.flush()
    await redis.delete(runtime.sessions.key(user.chat_id, user.id))  # as if the TTL passed
    await feed(runtime, user.send_command("help"))
    assert texts_to(tg.state, user.chat_id)[0].startswith("uz|")


async def test_a_registered_users_profile_language_is_their_choice(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime()
    # Telegram says ru (the simulated user's default), the profile says uz.
    user = new_user(tg, services, "Aziz", "approved", language_code="uz")
    await feed(runtime, user.send_command("help"))
    assert texts_to(tg.state, user.chat_id)[0].startswith("uz|")


# -- auth -----------------------------------------------------------------------------------------


async def test_profile_is_cached_and_typed(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime()
    user = new_user(tg, services, "Aziz", "approved", "executor")
    await feed(runtime, user.send_command("whoami"))
    await feed(runtime, user.send_command("whoami"))
    assert texts_to(tg.state, user.chat_id) == ["approved executor", "approved executor"]
    assert services.calls("user", f"/users/by-telegram/{user.id}") == 1


async def test_token_is_cached_and_refreshed_once_on_401(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime(TELEGRAM_PACE_PRIVATE="off")
    user = tg.state.user(new_id(), "Aziz")
    rec = services.add_user(user.id, status="approved")
    await feed(runtime, user.send_command("me"))
    await feed(runtime, user.send_command("me"))
    assert services.calls("auth", "/auth/login") == 1  # the second call reused the cached token
    assert services.calls("auth", "/auth/me") == 2
    services.world.clock.advance(3700)  # the access token expired at the service
    await feed(runtime, user.send_command("me"))
    assert services.calls("auth", "/auth/refresh") == 1
    assert services.calls("auth", "/auth/login") == 1
    assert services.calls("auth", "/auth/me") == 4  # 401, then the repeat with the new token
    assert texts_to(tg.state, user.chat_id) == [f"me {rec.id}"] * 3


# -- access ---------------------------------------------------------------------------------------


async def test_role_refusal_and_status_paths(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime(TELEGRAM_PACE_PRIVATE="off")
    stranger = new_user(tg, services, "Anon")
    pending = new_user(tg, services, "Pending", "pending")
    resident = new_user(tg, services, "Resident", "approved")
    manager = new_user(tg, services, "Manager", "approved", "manager")
    blocked = new_user(tg, services, "Blocked", "blocked")
    for person in (stranger, pending, resident, manager, blocked):
        await feed(runtime, person.send_command("users"))
    assert texts_to(tg.state, stranger.chat_id) == [NOT_REGISTERED]
    assert texts_to(tg.state, pending.chat_id) == [AWAITING_APPROVAL]
    assert texts_to(tg.state, resident.chat_id) == [ROLE_REFUSED]
    assert texts_to(tg.state, manager.chat_id) == ["users list"]
    assert texts_to(tg.state, blocked.chat_id) == [ACCESS_BLOCKED]
    # A button shares its command's rule through the handler's "command" flag.
    await feed(runtime, resident.send_text(None, "Пользователи"))
    assert texts_to(tg.state, resident.chat_id)[-1] == ROLE_REFUSED
    # Commands open to anyone pass even for blocked users; free text from them does not.
    await feed(runtime, blocked.send_command("help"))
    await feed(runtime, blocked.send_text(None, "hello"))
    assert texts_to(tg.state, blocked.chat_id)[1:] == [f"ru|{COMMAND_DISABLED}", ACCESS_BLOCKED]
    refused = counter(
        "bot_gateway_worker_updates_processed_total", update_type="message", outcome="refused"
    )
    assert refused >= 5


async def test_a_disabled_command_is_refused_and_the_catalog_reloads(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime(WORKER_COMMANDS_REFRESH_SECONDS="0.01")
    admin = new_user(tg, services, "Admin", "approved", "admin")
    await feed(runtime, admin.send_command("settings"))
    async with runtime.sessionmaker() as db, db.begin():
        await db.execute(
            update(BotCommand).where(BotCommand.command == "settings").values(is_enabled=False)
        )
    try:
        runtime.catalog.invalidate()
        await feed(runtime, admin.send_command("settings"))
    finally:
        async with runtime.sessionmaker() as db, db.begin():
            await db.execute(
                update(BotCommand).where(BotCommand.command == "settings").values(is_enabled=True)
            )
    assert texts_to(tg.state, admin.chat_id) == ["settings page", COMMAND_DISABLED]
