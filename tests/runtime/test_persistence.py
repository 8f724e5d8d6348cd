"""What the runtime writes to PostgreSQL (batched) and how it is rolled up, and /metrics."""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets
import time
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy import func, select

from devkit.fakes.serve import free_port
from devkit.fakes.telegram import FakeTelegramServer
from shared.db.models import BotMetric, BotMetricRollup, BotSession
from tests.runtime.conftest import RuntimeFactory, Services, feed, new_id
from workers.bot.metrics.rollup import rollup, window_start


async def eventually(check, timeout: float = 5.0):  # noqa: ASYNC109 - a deadline, not a sleep
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_sessions_are_upserted_in_batches(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime(
        WORKER_SESSION_BATCH_SIZE="3",
        WORKER_SESSION_FLUSH_SECONDS="60",
        TELEGRAM_PACE_PRIVATE="off",
    )
    first = tg.state.user(new_id(), "Aziz", "uz", last_name="K", username="aziz_k")
    second = tg.state.user(new_id(), "Bobur")
    third = tg.state.user(new_id(), "Dilnoza")

    async def rows() -> dict[int, BotSession]:
        chats = [first.chat_id, second.chat_id, third.chat_id]
        async with runtime.sessionmaker() as db:
            found = await db.scalars(select(BotSession).where(BotSession.chat_id.in_(chats)))
            return {row.chat_id: row for row in found}

    for _ in range(4):  # one session's changes merge while they wait: still one pending row
        await feed(runtime, first.send_command("echo"))
    await feed(runtime, second.send_command("echo"))
    assert runtime.sessions.writer.pending == 2
    assert await rows() == {}  # no write per update
    await feed(runtime, third.send_command("echo"))  # the third session fills the batch
    stored = await eventually(lambda: _three(rows))
    row = stored[first.chat_id]
    assert (row.first_name, row.last_name, row.username) == ("Aziz", "K", "aziz_k")
    assert row.is_active and row.language is None
    assert row.expires_at > row.last_activity_at
    await runtime.sessions.set_language(first.chat_id, first.id, "uz")
    await runtime.sessions.writer.flush()
    assert (await rows())[first.chat_id].language == "uz"


async def _three(
    rows: Callable[[], Awaitable[dict[int, BotSession]]],
) -> dict[int, BotSession] | None:
    found = await rows()
    return found if len(found) == 3 else None


async def test_metrics_rows_are_buffered_then_written_on_close(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, services: Services
) -> None:
    runtime = await make_runtime(WORKER_METRICS_FLUSH_SECONDS="60", TELEGRAM_PACE_PRIVATE="off")
    user = tg.state.user(new_id(), "Aziz")
    await feed(runtime, user.send_command("help"))
    await feed(runtime, user.send_command("kb"))
    await feed(runtime, user.press_button("Go"))
    await feed(runtime, user.send_command("boom"))

    async def rows() -> list[tuple[str, str]]:
        async with runtime.sessionmaker() as db:
            result = await db.execute(
                select(BotMetric.kind, BotMetric.name).where(BotMetric.chat_id == user.chat_id)
            )
            return [tuple(r) for r in result.all()]  # type: ignore[misc]

    assert await rows() == []
    assert runtime.metrics.writer.pending >= 6
    await runtime.close()  # shutdown flushes what is buffered
    written = await rows_after_close(runtime.settings.database.url, user.chat_id)
    kinds = sorted(kind for kind, _ in written)
    assert kinds.count("response_time") == 4
    assert ("command_usage", "help") in written
    assert ("user_action", "act") in written  # the callback-data prefix, never the data
    assert ("error", "ValueError") in written
    labels = await error_labels(runtime.settings.database.url, user.chat_id)
    assert labels == {"update_type": "message", "handler": "tests.runtime.bot.boom"}


async def error_labels(url: str, chat_id: int) -> object:
    from shared.db.engine import create_engine, create_sessionmaker
    from shared.settings import DatabaseSettings

    engine = create_engine(DatabaseSettings(url=url))
    try:
        async with create_sessionmaker(engine)() as db:
            return await db.scalar(
                select(BotMetric.labels).where(
                    BotMetric.chat_id == chat_id, BotMetric.kind == "error"
                )
            )
    finally:
        await engine.dispose()


async def rows_after_close(url: str, chat_id: int) -> list[tuple[str, str]]:
    from shared.db.engine import create_engine, create_sessionmaker
    from shared.settings import DatabaseSettings

    engine = create_engine(DatabaseSettings(url=url))
    try:
        async with create_sessionmaker(engine)() as db:
            result = await db.execute(
                select(BotMetric.kind, BotMetric.name).where(BotMetric.chat_id == chat_id)
            )
            return [(str(k), str(n)) for k, n in result.all()]
    finally:
        await engine.dispose()


async def test_rollup_aggregates_hours_and_business_days_and_prunes(
    make_runtime: RuntimeFactory,
) -> None:
    runtime = await make_runtime()
    name = f"cmd_{secrets.token_hex(4)}"
    now = dt.datetime.now(dt.UTC).replace(minute=30, second=0, microsecond=0)
    hour = now.replace(minute=0)
    for minutes, value in ((1, 10.0), (2, 30.0), (-50, 5.0)):
        runtime.metrics.record(
            "response_time", name, value, at=hour + dt.timedelta(minutes=minutes)
        )
    runtime.metrics.record("response_time", name, 99.0, at=now - dt.timedelta(days=40))
    await runtime.metrics.writer.flush()

    result = await rollup(runtime.sessionmaker, retention_days=30, now=now)
    assert result["pruned"] >= 1
    again = await rollup(runtime.sessionmaker, retention_days=30, now=now)  # idempotent
    assert again["pruned"] == 0
    async with runtime.sessionmaker() as db:
        rolled = (
            await db.scalars(select(BotMetricRollup).where(BotMetricRollup.name == name))
        ).all()
        raw_left = await db.scalar(
            select(func.count()).select_from(BotMetric).where(BotMetric.name == name)
        )
    by_period = {(r.period, r.period_start): r for r in rolled}
    current = by_period[("hour", hour)]
    assert (current.count, current.sum, current.min, current.max) == (2, 40.0, 10.0, 30.0)
    previous = by_period[("hour", hour - dt.timedelta(hours=1))]
    assert (previous.count, previous.sum) == (1, 5.0)
    days = [r for r in rolled if r.period == "day"]
    # Business days start at 00:00 Asia/Tashkent = 19:00 UTC the day before.
    assert all(r.period_start.astimezone(dt.UTC).hour == 19 for r in days)
    assert sum(r.count for r in days) == 3 and sum(r.sum for r in days) == 45.0
    assert raw_left == 3  # the 40-day-old row is gone, its neighbours kept


def test_the_rollup_window_starts_at_yesterdays_tashkent_midnight() -> None:
    now = dt.datetime(2025, 1, 14, 20, 30, tzinfo=dt.UTC)  # 01:30 on the 15th in Tashkent
    assert window_start(now) == dt.datetime(2025, 1, 13, 19, 0, tzinfo=dt.UTC)


async def test_the_worker_serves_prometheus_metrics(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    port = free_port()
    runtime = await make_runtime(metrics_port=port)
    user = tg.state.user(new_id(), "Aziz")
    await feed(runtime, user.send_command("echo"))
    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://127.0.0.1:{port}/metrics")
        live = await client.get(f"http://127.0.0.1:{port}/livez")
    assert response.status_code == 200 and live.status_code == 200
    body = response.text
    assert (
        'bot_gateway_worker_updates_processed_total{outcome="handled",update_type="message"}'
        in body
    )
    assert 'bot_gateway_worker_bot_api_calls_total{method="sendMessage",status="200"}' in body
    assert "bot_gateway_worker_handler_seconds_bucket" in body
    assert "bot_gateway_service_calls_total" in body  # the clients' metrics, same registry
    # Breaker states are read from Redis at each scrape.
    assert 'bot_gateway_service_breaker_state{service="user"} 0.0' in body


async def test_each_scrape_reads_the_queue_lag_gauges(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    import json
    import re

    from shared.pipeline import Pipeline

    port = free_port()
    runtime = await make_runtime(metrics_port=port)
    pipeline = Pipeline(runtime.redis, runtime.settings)
    user = tg.state.user(new_id(), "Aziz")
    for _ in range(3):  # queued, not handled: no worker drains this key space here
        await pipeline.enqueue(json.dumps(user.send_text(None, "hello")).encode())
    async with httpx.AsyncClient() as client:
        body = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    pending = re.search(r"^bot_gateway_pipeline_pending (\S+)$", body, flags=re.MULTILINE)
    active = re.search(r"^bot_gateway_pipeline_active_chats (\S+)$", body, flags=re.MULTILINE)
    assert pending is not None and float(pending.group(1)) >= 3
    assert active is not None and float(active.group(1)) >= 1
    assert "bot_gateway_pipeline_oldest_pending_age_seconds" in body


async def test_the_rollup_is_an_arq_cron_of_the_worker(make_runtime: RuntimeFactory) -> None:
    from workers.bot.metrics.rollup import rollup_metrics
    from workers.bot.runtime import RUNTIME_CTX_KEY
    from workers.cli import assemble_worker

    runtime = await make_runtime()

    async def factory(ctx):  # never called: the worker is only built
        raise AssertionError

    worker = assemble_worker(runtime.settings, factory)
    crons = {job.name: job for job in worker.cron_jobs}
    name = f"{runtime.settings.redis.key_prefix}:metrics-rollup:{runtime.settings.telegram.bot_id}"
    assert crons[name].coroutine is rollup_metrics
    assert crons[name].minute == 7
    assert await rollup_metrics({}) is None  # a worker without the bot runtime skips it
    result = await rollup_metrics({RUNTIME_CTX_KEY: runtime})
    assert result is not None and set(result) == {"hours", "days", "pruned"}


async def test_expired_inline_keyboards_are_purged_by_an_hourly_cron(
    make_runtime: RuntimeFactory,
) -> None:
    import datetime as dt

    from sqlalchemy import delete, select

    from shared.db.models import InlineKeyboardCache
    from workers.bot.core.ui.kbcache import KeyboardCache
    from workers.bot.jobs import purge_keyboard_cache
    from workers.bot.runtime import RUNTIME_CTX_KEY
    from workers.cli import assemble_worker

    runtime = await make_runtime()

    async def factory(ctx):  # never called: the worker is only built
        raise AssertionError

    worker = assemble_worker(runtime.settings, factory)
    crons = {job.name: job for job in worker.cron_jobs}
    prefix, bot_id = runtime.settings.redis.key_prefix, runtime.settings.telegram.bot_id
    job = crons[f"{prefix}:keyboard-cache-purge:{bot_id}"]
    assert job.coroutine is purge_keyboard_cache and job.minute == 37
    assert await purge_keyboard_cache({}) is None  # a worker without the bot runtime skips it

    chat_id = new_id()
    live = KeyboardCache(runtime.sessionmaker)
    await KeyboardCache(runtime.sessionmaker, ttl=dt.timedelta(seconds=-1)).store(chat_id, ["old"])
    kept = await live.store(chat_id, ["fresh"])
    of_chat = InlineKeyboardCache.chat_id == chat_id

    async def keys() -> list[str]:
        async with runtime.sessionmaker() as db:
            return sorted(
                (await db.execute(select(InlineKeyboardCache.key).where(of_chat))).scalars()
            )

    try:
        assert len(await keys()) == 2
        purged = await purge_keyboard_cache({RUNTIME_CTX_KEY: runtime})
        assert purged is not None and purged >= 1
        assert await keys() == [kept.key]
        assert await live.resolve(kept.button(0), chat_id) is not None
    finally:
        async with runtime.sessionmaker() as db, db.begin():
            await db.execute(delete(InlineKeyboardCache).where(of_chat))
