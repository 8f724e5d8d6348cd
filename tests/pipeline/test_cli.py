"""Operator commands (queue stats, dlq ...), the worker command's errors, the queue gauges."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
import typer
from typer.testing import CliRunner

from shared.connections import create_redis
from shared.pipeline import Keys, Pipeline
from shared.pipeline import cli as pipeline_cli
from shared.pipeline import metrics as m
from shared.pipeline.scripts import PipelineScripts, ScriptConfig
from shared.settings import Settings
from tests.pipeline.ledger import make_update
from workers import cli as worker_cli


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    pipeline_cli.register(app)
    worker_cli.register(app)
    return app


def _setup(settings: Settings) -> tuple[str, str]:
    """Three updates in two chats; chat c1 leased by worker wkr-1; update 2 dead-lettered."""

    async def main() -> tuple[str, str]:
        redis = create_redis(settings.redis.url)
        try:
            keys = Keys(settings.redis.key_prefix, settings.telegram.bot_id)
            scripts = PipelineScripts(keys, ScriptConfig.from_settings(settings))
            await Pipeline(redis, settings).enqueue_many(
                [make_update(1, 1, 1), make_update(2, 2, 1), make_update(3, 2, 2)]
            )
            e1 = (await redis.hget(keys.state("c1"), "epoch")).decode()  # type: ignore[misc]
            await scripts.claim(redis, "c1", e1, "wkr-1/1/aa")
            e2 = (await redis.hget(keys.state("c2"), "epoch")).decode()  # type: ignore[misc]
            await scripts.claim(redis, "c2", e2, "wkr-2/1/bb")
            await scripts.next(redis, "c2", e2, "wkr-2/1/bb", 2, "dead", error="ValueError: x")
            (entry_id, _), *_ = await redis.xrange(keys.dlq)
            await m.refresh_queue_gauges(redis, keys.prefix, keys.bot_id)
            return entry_id.decode(), e2
        finally:
            await redis.aclose()

    return asyncio.run(main())


def test_queue_stats_and_the_dlq_commands(app: typer.Typer, settings: Settings) -> None:
    entry_id, _ = _setup(settings)
    runner = CliRunner()

    out = runner.invoke(app, ["queue", "stats", "--json"])
    assert out.exit_code == 0, out.output
    stats = json.loads(out.output)
    assert stats["pending"] == 2  # 1 in c1 (in flight), 3 in c2; 2 is dead-lettered
    assert stats["active_chats"] == 2
    assert stats["dlq_size"] == 1
    assert stats["inflight"] == {"wkr-1": 1, "wkr-2": 1}
    assert stats["oldest_pending_age_s"] >= 0
    # the gauges saw the same
    assert m.PENDING._value.get() == 2 and m.DLQ_SIZE._value.get() == 1
    assert m.INFLIGHT.labels(worker="wkr-1")._value.get() == 1

    text = runner.invoke(app, ["queue", "stats"])
    assert "pending updates      2" in text.output and "wkr-1" in text.output

    listed = runner.invoke(app, ["dlq", "list", "--json"])
    data = json.loads(listed.output)
    assert data["total"] == 1
    (entry,) = data["entries"]
    assert entry["id"] == entry_id and entry["update_id"] == 2 and entry["ordering_key"] == "c2"
    assert entry["error"] == "ValueError: x" and "payload" not in entry

    shown = runner.invoke(app, ["dlq", "show", entry_id, "--payload"])
    assert json.loads(shown.output)["payload"] == make_update(2, 2, 1).decode()
    assert runner.invoke(app, ["dlq", "show", "1-1"]).exit_code == 1

    requeued = runner.invoke(app, ["dlq", "requeue", entry_id, "1-1"])
    assert requeued.exit_code == 0
    assert "update 2 appended to the tail of chat c2" in requeued.output
    assert "1-1: no such dead letter" in requeued.output
    again = json.loads(runner.invoke(app, ["queue", "stats", "--json"]).output)
    assert again["pending"] == 3 and again["dlq_size"] == 0


def test_dlq_purge(app: typer.Typer, settings: Settings) -> None:
    entry_id, _ = _setup(settings)
    runner = CliRunner()
    assert runner.invoke(app, ["dlq", "purge"]).exit_code == 2  # ids or --all
    out = runner.invoke(app, ["dlq", "purge", entry_id])
    assert out.output.strip() == "deleted 1 dead letter(s)"
    out = runner.invoke(app, ["dlq", "purge", "--all", "--yes"])
    assert out.output.strip() == "deleted 0 dead letter(s)"


def test_worker_command_explains_a_missing_handler(app: typer.Typer, settings: Settings) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["worker", "--handler", "no_such_package.handlers:factory"])
    assert out.exit_code == 2
    assert "handler module 'no_such_package.handlers' does not exist" in out.output
    out = runner.invoke(app, ["worker", "--handler", "tests.pipeline.ledger:nope"])
    assert out.exit_code == 2 and "has no handler factory 'nope'" in out.output
    out = runner.invoke(app, ["worker", "--handler", "nonsense"])
    assert out.exit_code == 2 and "module:factory" in out.output


def test_two_operators_requeueing_one_dead_letter_queue_it_once(settings: Settings) -> None:
    from shared.pipeline import dlq

    entry_id, _ = _setup(settings)

    async def main() -> None:
        redis = create_redis(settings.redis.url)
        try:
            keys = Keys(settings.redis.key_prefix, settings.telegram.bot_id)
            scripts = PipelineScripts(keys, ScriptConfig.from_settings(settings))
            before = await redis.zcard(keys.inbox("c2"))
            results = await asyncio.gather(
                dlq.requeue(redis, scripts, entry_id),
                dlq.requeue(redis, scripts, entry_id),
                return_exceptions=True,
            )
            assert sorted(type(r).__name__ for r in results) == ["KeyError", "tuple"]
            assert await redis.zcard(keys.inbox("c2")) == before + 1
            assert await redis.xlen(keys.dlq) == 0
        finally:
            await redis.aclose()

    asyncio.run(main())


def test_queue_stats_says_when_nothing_is_there(app: typer.Typer, settings: Settings) -> None:
    """A prefix with no data and no workers is named as such, not shown as a healthy zero."""
    runner = CliRunner()
    out = runner.invoke(
        app, ["queue", "stats", "--json"], env={"REDIS_KEY_PREFIX": "bgwtest-nothing-here"}
    )
    assert out.exit_code == 0, out.output
    warnings = json.loads(out.output)["warnings"]
    assert any("no pipeline data under key prefix 'bgwtest-nothing-here'" in w for w in warnings)
    assert any("no worker is reporting" in w for w in warnings)
    text = runner.invoke(app, ["queue", "stats"], env={"REDIS_KEY_PREFIX": "bgwtest-nothing-here"})
    assert "warning: no pipeline data" in text.output


def test_queue_stats_names_an_unreachable_redis(app: typer.Typer) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        out = CliRunner().invoke(
            app,
            ["queue", "stats"],
            env={"REDIS_URL": f"redis://:hunter2secret@127.0.0.1:{port}/0"},
        )
    assert out.exit_code == 3
    assert f"cannot reach Redis at redis://:***@127.0.0.1:{port}/0" in out.output
    assert "hunter2secret" not in out.output
