"""A recorded executor conversation replayed through ingest's enqueue and the real worker."""

from __future__ import annotations

from pathlib import Path

from devkit.fakes.seed import PLUMBER
from tests.features.executor.helpers import assert_each_query_answered_once, service_calls, tx
from tests.replay_plugin import Replay
from workers.bot.features.executor import texts

TRANSCRIPT = Path(__file__).parent / "executor" / "complete_and_claim.jsonl"


async def test_complete_a_request_then_claim_from_the_pool(replay: Replay) -> None:
    world = replay.services
    in_progress, new = world.seed_requests["in_progress"], world.seed_requests["new"]
    updates = (
        TRANSCRIPT.read_text(encoding="utf-8")
        .replace("$IN_PROGRESS", in_progress)
        .replace("$NEW", new)
    )
    result = await replay.run(updates)
    assert not result.dead_lettered
    texts_sent = result.texts(PLUMBER.telegram_id)
    expected = [
        tx(texts.REPORT_ASK, "uz", number=in_progress, limit=2000),
        tx(texts.MEDIA_ASK, "uz", limit=5),
        tx(texts.MEDIA_ADDED, "uz", count=1, limit=5),
        tx(texts.COMPLETED, "uz", number=in_progress),
        tx(texts.POOL_EMPTY, "uz"),
    ]
    positions = [texts_sent.index(text) for text in expected]
    assert positions == sorted(positions)
    done = world.requests[in_progress]
    assert (done.status, done.completion_report) == ("done", "Quvur almashtirildi, <oqish> yo'q")
    assert done.completion_media == ["AgACAgIAAxkBAAIBZ2transcriptPhoto0001"]
    claimed = world.requests[new]
    assert (claimed.status, claimed.executor_user_id) == ("in_progress", PLUMBER.id)
    assert len(service_calls(replay, "request", "PATCH", "/status$")) == 1
    rendered = result.text
    assert "> callback_query from 100003: [Tayyor] data=exf" in rendered
    assert "Quvur almashtirildi, &lt;oqish&gt;" not in rendered  # the report is never echoed
    assert_each_query_answered_once(replay)
