"""A recorded shifts conversation replayed through ingest's enqueue and the real worker."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from devkit.fakes.seed import PLUMBER, SHIFTS
from tests.features.executor.helpers import assert_each_query_answered_once, tx
from tests.replay_plugin import Replay
from workers.bot.features.shifts import texts

TRANSCRIPT = Path(__file__).parent / "shifts" / "my_shifts_take_schedule.jsonl"


async def test_look_keep_take_and_page_the_schedule(replay: Replay) -> None:
    world = replay.services
    world.users[PLUMBER.id].language_code = "ru"  # the profile's language wins over Telegram's
    today = world.clock.today()
    next_monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)
    updates = TRANSCRIPT.read_text(encoding="utf-8").replace(
        "$NEXT_MONDAY", next_monday.isoformat()
    )
    result = await replay.run(updates)
    assert not result.dead_lettered
    sent = result.texts(PLUMBER.telegram_id)
    week_end = today + dt.timedelta(days=7)
    title = tx(texts.MY_SHIFTS_TITLE, "ru", start=f"{today:%d.%m.%Y}", end=f"{week_end:%d.%m.%Y}")
    assert sent[0].startswith(title)
    assert tx(texts.END_KEPT, "ru") in sent
    assert world.shifts[SHIFTS["active"]].status == "active"
    assert world.shifts[SHIFTS["open_plumbing"]].executor_user_id == PLUMBER.id
    sunday = next_monday + dt.timedelta(days=6)
    week = tx(texts.SCHEDULE_TITLE, "ru", start=f"{next_monday:%d.%m.%Y}", end=f"{sunday:%d.%m.%Y}")
    assert any(text.startswith(week) for text in sent)
    # Every edit went to the message its button was on: no new message per page.
    edits = replay.telegram.calls_to("editMessageText", ok=True)
    assert {c.params["message_id"] for c in edits} == {11, 13, 15}
    assert_each_query_answered_once(replay)
