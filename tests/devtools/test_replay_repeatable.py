"""``replay F --out T`` then ``replay F --expect T``, again and again, with the real bot: each run
has a database and a key prefix of its own, so what one run stored (a user's language, the active
role of a multi-role user) cannot change the next run's answers, and nothing is left behind."""

from __future__ import annotations

import json
from pathlib import Path

import asyncpg
import pytest

from devkit.fakes.seed import MULTI_ROLE, RESIDENT
from tests.db_support import asyncpg_dsn
from tests.devtools.support import run_cli
from tests.devtools.test_record_replay import SECRET, _act, prefix, webhooked


async def _databases(url: str) -> set[str]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return {r["datname"] for r in await conn.fetch("SELECT datname FROM pg_database")}
    finally:
        await conn.close()


__all__ = ["prefix"]  # the fixture, shared with the record/replay round trip


@pytest.mark.timeout(600)
async def test_replay_against_its_own_transcript_matches_every_time(
    tmp_path: Path, prefix: str, replay_database: str
) -> None:
    env = {
        "REDIS_KEY_PREFIX": prefix,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "DATABASE_URL": replay_database,
    }
    async with webhooked(env, prefix, replay_database) as live:
        multi = live.telegram.user(MULTI_ROLE.telegram_id, "Shahzoda", "ru")
        resident = live.telegram.user(RESIDENT.telegram_id, "Resident", "uz")
        sent = [
            await _act(live, multi.send_command("start")),
            await _act(live, multi.send_command("language")),
            await _act(live, multi.press_button("O'zbekcha")),
            await _act(live, multi.send_command("help")),
            await _act(live, multi.send_text(None, "Rolni almashtirish")),
            await _act(live, resident.send_command("start")),
            await _act(live, resident.send_command("language")),
            await _act(live, resident.press_button("Русский")),
            await _act(live, resident.send_command("menu")),
        ]
    recording = tmp_path / "session.jsonl"
    recording.write_text("".join(json.dumps(u) + "\n" for u in sent))
    expected = tmp_path / "session.txt"

    first = await run_cli("replay", str(recording), "--out", str(expected), env=env)
    assert first.code == 0, first.stderr
    text = expected.read_text()
    assert "## chat 100011" in text and "## chat 100005" in text
    # Run 1 stored Uzbek for the multi-role user and Russian for the resident; run 2 must not
    # start from there.
    again = await run_cli("replay", str(recording), "--expect", str(expected), env=env)
    assert again.code == 0, again.stdout + again.stderr
    assert f"transcript matches {expected}" in again.stdout
    # Every run's scratch database is gone.
    scratch = replay_database.rsplit("/", 1)[1].split("?")[0] + "_replay"
    assert not {d for d in await _databases(replay_database) if d.startswith(scratch)}
