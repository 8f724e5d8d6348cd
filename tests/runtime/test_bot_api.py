"""The Bot API middleware against the fake Bot API over HTTP: 429, 5xx, 403 and pacing."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramServerError
from sqlalchemy import select

from devkit.fakes.telegram import FakeTelegramServer
from shared.db.models import BotSession
from shared.errors import RetryAfter
from tests.runtime.conftest import RuntimeFactory, feed, new_id, texts_to
from workers.bot.telegram.pacing import Pacer, PacingLimits, create_limits_storage, parse_pace


async def test_a_429_is_waited_out_exactly_then_sent(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime(TELEGRAM_RETRY_AFTER_CAP="5")
    user = tg.state.user(new_id(), "Aziz")
    tg.state.flood(count=1, retry_after=1, method="sendMessage")
    started = time.monotonic()
    await feed(runtime, user.send_command("echo", "x"))
    attempts = tg.state.calls_to("sendMessage", chat_id=user.chat_id)
    assert [c.status for c in attempts] == [429, 200]
    gap = attempts[1].time - attempts[0].time
    assert 1.0 <= gap < 1.5, gap  # retry_after honoured: not earlier, not much later
    assert time.monotonic() - started >= 1.0
    assert texts_to(tg.state, user.chat_id) == ["echo 1 /echo x"]


async def test_5xx_is_retried_with_backoff_then_succeeds(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime(TELEGRAM_API_RETRIES="3")
    user = tg.state.user(new_id(), "Aziz")
    tg.state.fail_next(2, 502, "Bad Gateway", method="sendMessage")
    await feed(runtime, user.send_command("echo", "x"))
    statuses = [c.status for c in tg.state.calls_to("sendMessage", chat_id=user.chat_id)]
    assert statuses == [502, 502, 200]


async def test_5xx_beyond_the_retries_goes_back_to_the_pipeline(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime(TELEGRAM_API_RETRIES="1")
    user = tg.state.user(new_id(), "Aziz")
    tg.state.fail_next(5, 500, "Internal Server Error", method="sendMessage")
    with pytest.raises(TelegramServerError):
        await feed(runtime, user.send_command("echo", "x"), attempt=1, max_attempts=5)
    assert len(tg.state.calls_to("sendMessage", chat_id=user.chat_id)) == 2


async def test_a_400_is_not_retried(make_runtime: RuntimeFactory, tg: FakeTelegramServer) -> None:
    runtime = await make_runtime()
    with pytest.raises(TelegramBadRequest):
        await runtime.bot.send_message(new_id(), "to a chat Telegram does not know")
    assert len(tg.state.calls_to("sendMessage")) == 1


async def test_403_blocked_marks_the_session_inactive(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime()
    user = tg.state.user(new_id(), "Aziz")
    await feed(runtime, user.send_command("echo", "hi"))
    await runtime.sessions.writer.flush()
    tg.state.block_chat(user.chat_id)
    # The user wrote before blocking; the reply now answers 403 and is never retried.
    await feed(runtime, user.send_text(None, "late message"))
    assert [c.status for c in tg.state.calls_to("sendMessage", chat_id=user.chat_id)] == [200, 403]
    await runtime.sessions.writer.flush()
    async with runtime.sessionmaker() as db:
        row = await db.scalar(select(BotSession).where(BotSession.chat_id == user.chat_id))
    assert row is not None and row.is_active is False
    # Writing again (after unblocking) makes the session active again.
    tg.state.block_chat(user.chat_id, blocked=False)
    await feed(runtime, user.send_text(None, "back"))
    await runtime.sessions.writer.flush()
    async with runtime.sessionmaker() as db:
        row = await db.scalar(select(BotSession).where(BotSession.chat_id == user.chat_id))
    assert row is not None and row.is_active is True


async def test_pacing_is_shared_through_redis(redis, prefix: str) -> None:
    # Two pacers (two workers) draw from one window of 3 sends per second for a chat.
    limits = PacingLimits(parse_pace("3 per 1 second"), None, None)
    pacers = [
        Pacer(create_limits_storage(redis, prefix), limits, bot_id=1, cap=5) for _ in range(2)
    ]
    started = time.monotonic()
    done: list[float] = []

    async def send(pacer: Pacer) -> None:
        await pacer.acquire(4242)
        done.append(time.monotonic() - started)

    await asyncio.gather(*(send(pacers[i % 2]) for i in range(6)))
    done.sort()
    assert max(done[:3]) < 0.5  # the burst of three goes at once
    assert min(done[3:]) >= 0.95  # the rest waits for the window, whichever worker sends


async def test_a_pacing_wait_past_the_cap_is_handed_to_the_pipeline(redis, prefix: str) -> None:
    limits = PacingLimits(None, parse_pace("2 per 1 minute"), None)
    pacer = Pacer(create_limits_storage(redis, prefix), limits, bot_id=1, cap=1)
    await pacer.acquire(-100123)
    await pacer.acquire(-100123)
    with pytest.raises(RetryAfter) as caught:
        await pacer.acquire(-100123)  # a group: 20/min by default, 2/min here
    assert 50 < caught.value.retry_after <= 60


async def test_a_fenced_out_worker_makes_no_bot_api_call(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    from shared.errors import LeaseLost
    from tests.runtime.conftest import raw
    from workers.bot.runtime import UpdateProcessor
    from workers.pipeline.drain import UpdateMeta

    runtime = await make_runtime()
    user = tg.state.user(new_id(), "Aziz")
    holds = True
    checks = 0

    async def fence() -> bool:
        nonlocal checks
        checks += 1
        return holds

    first = user.send_command("echo")
    await UpdateProcessor(runtime)(raw(first), UpdateMeta(first["update_id"], "t", 1, 5, fence))
    assert len(tg.state.calls_to("sendMessage", chat_id=user.chat_id, ok=True)) == 1
    assert checks == 1  # one call, one check
    # Stalled past the lease and taken over: the reply is not sent, nor any apology.
    holds = False
    second = user.send_command("echo")
    with pytest.raises(LeaseLost):
        await UpdateProcessor(runtime)(
            raw(second), UpdateMeta(second["update_id"], "t", 5, 5, fence)
        )
    assert len(tg.state.calls_to("sendMessage", chat_id=user.chat_id)) == 1


async def test_a_callback_is_answered_by_one_run_of_its_update_only(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    """Redone by another worker (the first run's answer went out, its ack did not): the answer
    is not sent again, and the update does not fail over Telegram refusing it."""
    from tests.runtime.conftest import raw
    from workers.bot.runtime import UpdateProcessor
    from workers.pipeline.drain import UpdateMeta

    runtime = await make_runtime()
    user = tg.state.user(new_id(), "Aziz")
    await feed(runtime, user.send_command("kb"))
    press = user.press_button("Go")
    uid = press["update_id"]
    for run in ("w1/1/a/1", "w2/1/b/1"):
        await UpdateProcessor(runtime)(raw(press), UpdateMeta(uid, "t", 1, 5, None, run))
    assert len(tg.state.calls_to("answerCallbackQuery")) == 1
