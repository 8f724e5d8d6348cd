"""Record → replay round trip through the real ingest, pipeline and worker; ``--expect`` diffs.

Live: simulated users act on the fake Bot API, which delivers their updates by webhook to a real
``bot-gateway ingest`` process recording into its stream; a real worker (in this loop) answers.
Then ``bot-gateway record`` copies the stream to JSONL and ``bot-gateway replay`` feeds that file
through a fresh pipeline and worker: the transcript must be the live one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from devkit.tools.harness import ReplayHarness
from shared.db.migrate import upgrade
from tests.conftest import TEST_TOKEN
from tests.db_support import temporary_database
from tests.devtools import echo_bot
from tests.devtools.support import ingest_process, run_cli
from tests.pipeline.conftest import delete_prefix

ECHO = "tests.devtools.echo_bot:create_handler"
SECRET = "round-trip-secret"
AZIZ, MALIKA = 9_100_001, 9_100_002


@pytest.fixture
async def prefix(key_prefix: str, redis: Redis):
    value = key_prefix.replace(":", ".")
    yield value
    await delete_prefix(redis, value)


async def _act(live: ReplayHarness, update: dict[str, Any]) -> dict[str, Any]:
    """Wait until ingest took the update (webhook 2xx) and the worker handled it."""
    await live.telegram.wait_until_consumed(update["update_id"], timeout=15)
    chat = next(v for v in update.values() if isinstance(v, dict))
    chat_id = (chat.get("chat") or chat.get("message", {}).get("chat"))["id"]
    await live.wait_handled([(f"c{chat_id}", update["update_id"])], timeout=15)
    return update


@contextlib.asynccontextmanager
async def webhooked(
    env: dict[str, str], prefix: str, database: str, handler_factory: Any = None
) -> AsyncIterator[ReplayHarness]:
    """A real ingest process (``env``) that the fake Bot API delivers to by webhook, and a real
    worker in this loop: what a live session records."""
    async with (
        ingest_process(env) as ingest_url,
        ReplayHarness(
            handler_factory=handler_factory, key_prefix=prefix, overrides={"DATABASE_URL": database}
        ) as live,
    ):
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                f"{live.telegram_url}/bot{TEST_TOKEN}/setWebhook",
                json={"url": f"{ingest_url}/webhook", "secret_token": SECRET},
            )
        assert answer.json()["ok"]
        yield live


async def _live_session(live: ReplayHarness) -> list[dict[str, Any]]:
    aziz = live.telegram.user(AZIZ, "Aziz", "uz", last_name="Karimov", username="aziz_k")
    malika = live.telegram.user(MALIKA, "Malika", "ru")
    return [
        await _act(live, aziz.send_command("hello")),
        await _act(live, malika.send_command("phone")),
        await _act(live, aziz.press_button("Yes")),
        await _act(live, malika.share_contact(phone_number="+998907654321")),
        await _act(live, aziz.send_text(None, "the kitchen pipe at Olmazor 5 leaks")),
        await _act(live, malika.send_photo(caption="photo of the pipe")),
        await _act(live, aziz.send_command("count")),
        await _act(live, aziz.send_command("count")),
    ]


@pytest.mark.timeout(300)  # two replays, each creating and migrating a database of its own
async def test_recorded_traffic_replays_to_the_same_transcript(
    tmp_path: Path, prefix: str, replay_database: str
) -> None:
    env = {
        "REDIS_KEY_PREFIX": prefix,
        "INGEST_RECORD": "true",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "DATABASE_URL": replay_database,
    }
    async with webhooked(env, prefix, replay_database, echo_bot.create_handler) as live:
        calls_from = len(live.telegram.calls)
        sent = await _live_session(live)
        live_text = live.transcript(calls_from).render()
    assert "< sendMessage: Hello, Aziz! Shall we go on?" in live_text
    assert "< editMessageText #2: You said yes." in live_text

    plain, scrubbed = tmp_path / "updates.jsonl", tmp_path / "scrubbed.jsonl"
    recorded = await run_cli("record", "--out", str(plain), "--count", "8", env=env)
    assert recorded.code == 0, recorded.stderr
    assert "recorded 8 update(s)" in recorded.stderr
    lines = [json.loads(line) for line in plain.read_text().splitlines()]
    assert [line["update"] for line in lines] == sent  # exactly what Telegram (the fake) sent
    assert all(isinstance(line["ts"], float) for line in lines)

    # A fresh database too: the replay must not lean on what the live run stored.
    async with temporary_database(replay_database) as fresh:
        await asyncio.to_thread(upgrade, fresh)
        replayed = await run_cli(
            "replay", str(plain), "--handler", ECHO, env={"DATABASE_URL": fresh}
        )
        assert replayed.code == 0, replayed.stderr
        assert replayed.stdout == live_text

        # Scrubbed: no personal data in the file, ids remapped consistently, still replayable.
        done = await run_cli("record", "--out", str(scrubbed), "--count", "8", "--scrub", env=env)
        assert done.code == 0, done.stderr
        text = scrubbed.read_text()
        for personal in (
            "Aziz",
            "Karimov",
            "aziz_k",
            "Malika",
            "+998907654321",
            "Olmazor",
            str(AZIZ),
            str(MALIKA),
            "photo of the pipe",
        ):
            assert personal not in text
        ids = [
            (u["update"].get("message") or u["update"]["callback_query"])["from"]["id"]
            for u in map(json.loads, text.splitlines())
        ]
        assert ids == [
            1_000_001,
            1_000_002,
            1_000_001,
            1_000_002,
            1_000_001,
            1_000_002,
            1_000_001,
            1_000_001,
        ]
        replayed = await run_cli(
            "replay", str(scrubbed), "--handler", ECHO, env={"DATABASE_URL": fresh}
        )
    assert replayed.code == 0, replayed.stderr
    out = replayed.stdout
    assert "## chat 1000001" in out and "## chat 1000002" in out
    assert "< sendMessage: Hello, User 1! Shall we go on?" in out
    assert "< sendMessage: Thanks, +998900000001." in out
    assert re.search(r"^< sendMessage: echo: text \d+$", out, flags=re.MULTILINE)
    assert "< sendMessage: count 2" in out
    # Same behaviour line for line, once names and ids are mapped.
    assert len(out.splitlines()) == len(live_text.splitlines())


@pytest.mark.timeout(300)  # three replays, each creating and migrating a database of its own
async def test_expect_catches_a_changed_reply(tmp_path: Path, replay_database: str) -> None:
    updates = tmp_path / "u.jsonl"
    person = {"id": 9_200_001, "is_bot": False, "first_name": "Aziz", "language_code": "ru"}
    chat = {"id": 9_200_001, "type": "private", "first_name": "Aziz"}
    updates.write_text(
        json.dumps(
            {
                "update_id": 501,
                "message": {
                    "message_id": 1,
                    "date": 1700000000,
                    "from": person,
                    "chat": chat,
                    "text": "/hello",
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }
        )
        + "\n"
    )
    env = {"DATABASE_URL": replay_database}
    saved = tmp_path / "expected.txt"
    first = await run_cli("replay", str(updates), "--handler", ECHO, "--out", str(saved), env=env)
    assert first.code == 0, first.stderr
    same = await run_cli("replay", str(updates), "--handler", ECHO, "--expect", str(saved), env=env)
    assert same.code == 0, same.stdout + same.stderr
    assert f"transcript matches {saved}" in same.stdout
    changed = await run_cli(
        "replay",
        str(updates),
        "--handler",
        "tests.devtools.echo_bot:create_changed_handler",
        "--expect",
        str(saved),
        env=env,
    )
    assert changed.code == 1
    assert f"--- {saved}" in changed.stdout
    assert "-< sendMessage: Hello, Aziz! Shall we go on?" in changed.stdout.splitlines()
    assert "+< sendMessage: Hi, Aziz! Continue?" in changed.stdout.splitlines()
    assert "the transcript differs" in changed.stderr


async def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"update_id": 1, "message": {}}\n{oops\n')
    result = await run_cli("replay", str(bad))
    assert result.code == 2
    assert f"replay: {bad}:2: not valid JSON" in result.stderr
    missing = await run_cli("replay", str(tmp_path / "nope.jsonl"))
    assert missing.code == 2 and "cannot read" in missing.stderr
