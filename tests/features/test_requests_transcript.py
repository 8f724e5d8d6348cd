"""A recorded conversation (tests/features/requests/create_request_uz.jsonl) replayed through the
real pipeline: the Bot API calls it makes and the one request it leaves in the fake service."""

from __future__ import annotations

from pathlib import Path

from devkit.fakes import seed
from tests.features.requests.support import (
    assert_every_callback_answered_once,
    new_requests,
    service_calls,
    t,
)
from tests.replay_plugin import Replay
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.requests import texts

TRANSCRIPT = Path(__file__).parent / "requests" / "create_request_uz.jsonl"


async def test_the_recorded_creation_replays(replay: Replay) -> None:
    result = await replay.run(TRANSCRIPT)
    assert result.dead_lettered == {}
    (request,) = new_requests(replay, seed.RESIDENT.id)
    sent = result.texts(seed.RESIDENT.telegram_id)
    expected = [
        t(texts.FLOW_STARTED, "uz", cancel=t(ui_texts.BTN_CANCEL, "uz")),
        t(texts.STEP_CATEGORY, "uz"),
        t(texts.USE_BUTTONS, "uz") + "\n\n" + t(texts.STEP_CATEGORY, "uz"),
        t(texts.STEP_ADDRESS, "uz"),
        t(texts.STEP_DESCRIPTION, "uz", min=10, max=2000),
        t(texts.DESCRIPTION_EXPECTED, "uz", min=10, max=2000),
        t(texts.STEP_URGENCY, "uz"),
    ]
    assert sent[: len(expected)] == expected
    # The second tap on Confirm gets the "outdated" alert (the last thing the bot said).
    assert sent[-1] == t(ui_texts.OUTDATED, "uz")
    assert sent[-2].startswith(f"✅ № {request.request_number} ariza yaratildi.")
    summary = next(text for text in sent if text.startswith("<b>Arizani tekshiring</b>"))
    assert "Oshxonada &lt;kran&gt; oqyapti &amp; to'xtamayapti" in summary
    assert "<b>Rasm va video:</b> 2" in summary
    assert (request.category, request.urgency) == ("plumbing", "high")
    assert request.description == "Oshxonada <kran> oqyapti & to'xtamayapti"
    assert len(request.media_files) == 2
    calls = service_calls(replay, "POST", "/requests/")
    assert [c.idempotency_key for c in calls] == [f"draft:{seed.RESIDENT.telegram_id}-1"]
    assert_every_callback_answered_once(replay)
