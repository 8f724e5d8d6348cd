"""Photos where they matter in the flows: the acceptance step shows the completion photos before
Accept / Return, and captions typed under photos are kept (in the report, the return reason)."""

from __future__ import annotations

import pytest

from devkit.fakes.seed import NEIGHBOUR, PLUMBER, RESIDENT
from tests.features.executor.helpers import (
    LANGUAGES,
    assert_each_query_answered_once,
    staff,
    tx,
)
from tests.replay_plugin import Replay
from workers.bot.core.cards import texts as card_texts
from workers.bot.core.ui import category_label, status_label, urgency_label
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.executor import texts as executor_texts
from workers.bot.features.requests import texts as request_texts
from workers.bot.features.requests.acceptance import texts as acceptance_texts


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_acceptance_step_shows_the_completion_photos_first(
    replay: Replay, language: str
) -> None:
    world = replay.services
    number = world.seed_requests["confirmed"]
    files = [replay.telegram.files.add("photo", f"w{i}".encode()).file_id for i in range(3)]
    world.requests[number].completion_media = files
    user = staff(replay, RESIDENT, language, "Aziz")
    acceptance = tx(ui_texts.BTN_ACCEPTANCE, language)
    await replay.text(user, f"{acceptance} (1)")
    turn = await replay.press(user, f"№ {number} · {status_label('confirmed', language)}")

    # The album of the work comes first, captioned; then the card with Accept / Return under it.
    methods = [m for m in turn.methods if m != "answerCallbackQuery"]
    assert methods == ["sendMediaGroup", "sendMessage"]
    album = next(c for c in turn.ok_calls if c.method == "sendMediaGroup")
    media = album.params["media"]
    assert [item["media"] for item in media] == files
    assert media[0]["caption"] == tx(
        card_texts.PHOTOS_OF_COMPLETION, language, number=number, count=3
    )
    assert turn.buttons()[:2] == [
        tx(request_texts.BTN_ACCEPT, language),
        tx(request_texts.BTN_RETURN, language),
    ]
    # Accept goes on from that card as before.
    rating = await replay.press(user, tx(request_texts.BTN_ACCEPT, language))
    assert "5 ★" in rating.buttons()
    assert_each_query_answered_once(replay)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_captions_under_photos_are_kept(replay: Replay, language: str) -> None:
    world = replay.services
    # The executor's completion report keeps the caption of its photo.
    number = world.seed_requests["in_progress"]
    executor = staff(replay, PLUMBER, language, "Bekzod")
    await replay.text(executor, tx(ui_texts.BTN_ACTIVE_REQUESTS, language))
    await replay.press(executor, f"№ {number}")
    await replay.press(executor, tx(executor_texts.BTN_COMPLETE, language))
    await replay.text(executor, "Кран заменён")
    await replay.photo(executor, caption="  старый кран  ")
    await replay.photo(executor)
    await replay.press(executor, tx(executor_texts.BTN_FINISH, language))
    request = world.requests[number]
    assert request.status == "done"
    assert request.completion_report == "Кран заменён\n\n📷 старый кран"
    assert len(request.completion_media) == 2

    # The resident's return reason keeps theirs, and the summary shows it before sending.
    confirmed = world.seed_requests["confirmed"]
    resident = staff(replay, RESIDENT, language, "Aziz")
    await replay.command(resident, "request_status", confirmed)
    await replay.press(resident, tx(request_texts.BTN_RETURN, language))
    await replay.text(resident, "Всё ещё течёт")
    await replay.photo(resident, caption="лужа <под> раковиной")
    summary = await replay.press(resident, tx(request_texts.BTN_DONE, language))
    assert "📷 лужа &lt;под&gt; раковиной" in summary.text
    await replay.press(resident, tx(acceptance_texts.BTN_SEND, language))
    returned = world.requests[confirmed]
    assert returned.status == "returned"
    assert returned.return_reason == "Всё ещё течёт\n\n📷 лужа <под> раковиной"
    assert_each_query_answered_once(replay)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_caption_under_a_photo_goes_into_the_new_requests_description(
    replay: Replay, language: str
) -> None:
    world = replay.services
    user = staff(replay, NEIGHBOUR, language, "Malika")
    await replay.command(user, "create_request")
    await replay.press(user, category_label("plumbing", language))
    address = replay.telegram.bot_messages(user.chat_id)[-1]
    await replay.press_at(user, address, 0)  # their apartment, the first address
    await replay.text(user, "Течёт кран на кухне")
    await replay.press(user, urgency_label("high", language))
    await replay.photo(user, caption="вот <здесь>")
    summary = await replay.press(user, tx(request_texts.BTN_DONE, language))
    assert "Течёт кран на кухне\n\n📷 вот &lt;здесь&gt;" in summary.text
    await replay.press(user, tx(request_texts.BTN_CONFIRM, language))
    [created] = [r for r in world.requests.values() if r.applicant_user_id == NEIGHBOUR.id]
    assert created.description == "Течёт кран на кухне\n\n📷 вот <здесь>"
    assert len(created.media_files) == 1
    assert_each_query_answered_once(replay)
