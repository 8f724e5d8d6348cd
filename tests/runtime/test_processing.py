"""One update through the per-update callback: decode, dispatch, FSM in Redis, failure policy."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from devkit.fakes.telegram import FakeTelegramServer
from shared.errors import RetryAfter, ServiceUnavailable
from tests.runtime.bot import FLAKY
from tests.runtime.conftest import BOT_ID, RuntimeFactory, Services, feed, new_id, texts_to
from workers.bot.runtime import UpdateProcessor
from workers.pipeline.drain import UpdateMeta


def counter(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_command_is_handled_and_fsm_data_lives_in_redis(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, redis, prefix: str
) -> None:
    runtime = await make_runtime()
    user = tg.state.user(new_id(), "Aziz")
    await feed(runtime, user.send_command("echo", "one"))
    await feed(runtime, user.send_command("echo", "two"))
    assert texts_to(tg.state, user.chat_id) == ["echo 1 /echo one", "echo 2 /echo two"]
    keys = [k.decode() async for k in redis.scan_iter(match=f"{prefix}:fsm:*")]
    # The FSM key includes the bot id and carries REDIS_FSM_TTL.
    assert keys == [f"{prefix}:fsm:{BOT_ID}:{user.chat_id}:{user.id}:data"]
    assert 0 < await redis.ttl(keys[0]) <= runtime.settings.redis.fsm_ttl


async def test_a_private_chat_member_update_is_acknowledged_and_counted(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime()
    user = tg.state.user(new_id(), "Aziz")
    labels = {"update_type": "my_chat_member", "chat_type": "private"}
    before = counter("bot_gateway_worker_updates_ignored_total", **labels)
    await feed(runtime, user.block_bot())  # the user blocked the bot: nothing to answer
    assert counter("bot_gateway_worker_updates_ignored_total", **labels) == before + 1
    assert tg.state.calls_to("leaveChat") == []


async def test_undecodable_bytes_are_acknowledged_not_retried(make_runtime: RuntimeFactory) -> None:
    runtime = await make_runtime()
    before = counter(
        "bot_gateway_worker_updates_processed_total", update_type="unknown", outcome="invalid"
    )
    await UpdateProcessor(runtime)(b'{"update_id": "x"}', UpdateMeta(1, "k", 1, 5))
    after = counter(
        "bot_gateway_worker_updates_processed_total", update_type="unknown", outcome="invalid"
    )
    assert after == before + 1


async def test_a_permanent_error_gets_an_apology_and_is_acknowledged(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime()
    user = tg.state.user(new_id(), "Aziz", "uz")
    before = counter(
        "bot_gateway_worker_updates_failed_total", update_type="message", error="ValueError"
    )
    await feed(runtime, user.send_command("boom"))  # returns: the pipeline acknowledges it
    assert texts_to(tg.state, user.chat_id) == [
        runtime.i18n.gettext(
            "Извините, что-то пошло не так. Попробуйте ещё раз или начните заново: /start",
            locale="uz",
        )
    ]
    assert texts_to(tg.state, user.chat_id)[0].startswith("Kechirasiz")
    assert (
        counter(
            "bot_gateway_worker_updates_failed_total", update_type="message", error="ValueError"
        )
        == before + 1
    )


async def test_a_failing_callback_gets_an_alert(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime()
    user = tg.state.user(new_id(), "Aziz")
    await feed(runtime, user.send_command("kb"))
    await feed(runtime, user.press_button("Break"))
    answer = tg.state.calls_to("answerCallbackQuery", ok=True)[-1]
    assert answer.params.get("show_alert") is True
    assert str(answer.params["text"]).startswith("Извините")


async def test_a_transient_error_is_raised_for_a_retry(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime()
    user = tg.state.user(new_id(), "Aziz")
    FLAKY[user.chat_id] = 1
    update = user.send_command("flaky")
    with pytest.raises(ServiceUnavailable):
        await feed(runtime, update, attempt=1, max_attempts=5)
    assert texts_to(tg.state, user.chat_id) == []  # no apology for a retry
    await feed(runtime, update, attempt=2, max_attempts=5)
    assert texts_to(tg.state, user.chat_id) == ["flaky ok /flaky"]


async def test_the_last_transient_attempt_tells_the_user(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime()
    user = tg.state.user(new_id(), "Aziz")
    FLAKY[user.chat_id] = 1
    with pytest.raises(ServiceUnavailable):
        await feed(runtime, user.send_command("flaky"), attempt=5, max_attempts=5)
    assert texts_to(tg.state, user.chat_id) == [
        "Сервис временно недоступен. Попробуйте через минуту."
    ]


async def test_the_last_attempt_names_the_support_contact_when_one_is_set(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime()
    store = runtime.dispatcher.workflow_data["gateway_settings"]
    await store.set("support_contact", "@uk_help <b>24/7</b>", actor_user_id=1)
    user = tg.state.user(new_id(), "Aziz")
    FLAKY[user.chat_id] = 1
    with pytest.raises(ServiceUnavailable):
        await feed(runtime, user.send_command("flaky"), attempt=5, max_attempts=5)
    (call,) = tg.state.calls_to("sendMessage", chat_id=user.chat_id)
    # Sent as HTML: the contact is escaped, so Telegram shows it as typed.
    assert call.params["text"] == (
        "Сервис временно недоступен. Попробуйте через минуту. "
        "Поддержка: @uk_help &lt;b&gt;24/7&lt;/b&gt;"
    )
    shown = "Сервис временно недоступен. Попробуйте через минуту. Поддержка: @uk_help <b>24/7</b>"
    assert call.result["text"] == shown
    await store.set("support_contact", "", actor_user_id=1)


async def test_a_long_429_is_handed_to_the_pipeline(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime(TELEGRAM_RETRY_AFTER_CAP="1")
    user = tg.state.user(new_id(), "Aziz")
    tg.state.flood(count=1, retry_after=30, method="sendMessage")
    with pytest.raises(RetryAfter) as caught:
        await feed(runtime, user.send_command("echo", "x"))
    assert caught.value.retry_after == 30
    assert tg.state.calls_to("sendMessage", ok=True) == []


async def test_update_ids_and_request_ids_reach_the_services(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime()
    user = tg.state.user(new_id(), "Aziz")
    update = user.send_command("whoami")
    await feed(runtime, update)
    lookups = [c for c in services.world.controls["user"].calls if "by-telegram" in c.path]
    assert lookups and lookups[-1].request_id == f"upd-{update['update_id']}"
    assert texts_to(tg.state, user.chat_id) == ["unregistered None"]
