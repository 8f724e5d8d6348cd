"""One card per request per role, the same wherever it is opened, and what every card shows:
the manager's Resume from clarification and purchase with the question and the answers on the
card, and the photos as albums behind a "Photos (N)" button (resident, executor, manager)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devkit.fakes.seed import MANAGER, PLUMBER, RESIDENT
from tests.features.executor.helpers import (
    LANGUAGES,
    alerts,
    assert_each_query_answered_once,
    press_raw,
    service_calls,
    staff,
    toasts,
    tx,
)
from tests.replay_plugin import Replay
from workers.bot.core.cards import texts as card_texts
from workers.bot.core.ui import status_label
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.admin import texts as admin_texts
from workers.bot.features.comments import texts as comment_texts
from workers.bot.features.executor import texts as executor_texts
from workers.bot.features.requests import texts as request_texts


@pytest.mark.parametrize("language", LANGUAGES)
async def test_manager_asks_sees_the_answer_and_resumes(replay: Replay, language: str) -> None:
    world = replay.services
    number = world.seed_requests["in_progress"]
    manager = staff(replay, MANAGER, language, "Nodira")
    resident = staff(replay, RESIDENT, language, "Aziz")

    # The manager's card from /request_status is the card of the manager's lists.
    card = await replay.command(manager, "request_status", number)
    assert tx(admin_texts.BTN_CLARIFY, language) in card.buttons()
    await replay.press(manager, tx(admin_texts.BTN_CLARIFY, language))
    await replay.text(manager, "Какой этаж? <подъезд>")
    assert world.requests[number].status == "clarification"

    # Before an answer: the question and "no answer yet".
    card = await replay.command(manager, "request_status", number)
    question = tx(card_texts.THREAD_QUESTION, language, question="Какой этаж? &lt;подъезд&gt;")
    assert question in card.text
    assert tx(card_texts.THREAD_NO_ANSWER, language) in card.text

    # The resident sees the question on their card and answers it.
    turn = await replay.command(resident, "request_status", number)
    assert "Какой этаж? &lt;подъезд&gt;" in turn.text
    await replay.press(resident, tx(request_texts.BTN_REPLY, language))
    await replay.text(resident, "3-й этаж, <2> подъезд")

    # The clarification tab opens the same card: the question and the answer with its author.
    await replay.text(manager, tx(ui_texts.BTN_REQUESTS, language))
    await replay.press(manager, tx(admin_texts.TAB_CLARIFICATION, language))
    card = await replay.press(manager, f"№ {number}")
    assert question in card.text
    assert tx(card_texts.THREAD_ANSWERS, language) in card.text
    assert "Aziz Karimov" in card.text and "3-й этаж, &lt;2&gt; подъезд" in card.text
    assert card.buttons()[:2] == [
        tx(card_texts.BTN_MANAGER_RESUME, language),
        tx(admin_texts.BTN_CANCEL_REQUEST, language),
    ]
    version = world.requests[number].status_version
    turn = await replay.press(manager, tx(card_texts.BTN_MANAGER_RESUME, language))
    in_progress = status_label("in_progress", language)
    assert toasts(turn) == [
        tx(admin_texts.REQUEST_UPDATED, language, number=number, status=in_progress)
    ]
    assert world.requests[number].status == "in_progress"
    assert in_progress in turn.text  # the card refreshed in place
    last = service_calls(replay, "request", "PATCH", f"/requests/{number}/status$")[-1]
    assert last.idempotency_key == f"st:{number}:{version}:in_progress:{MANAGER.id}"

    # From purchase too; a double tap (the same card's button again) is the same one change.
    purchase = world.seed_requests["purchase"]
    await replay.text(manager, tx(ui_texts.BTN_REQUESTS, language))
    await replay.press(manager, tx(admin_texts.TAB_PURCHASE, language))
    await replay.press(manager, f"№ {purchase}")
    message = replay.telegram.last_bot_message(manager.id, with_button=None)
    assert message is not None
    old_version = world.requests[purchase].status_version
    await replay.press(manager, tx(card_texts.BTN_MANAGER_RESUME, language))
    assert world.requests[purchase].status == "in_progress"
    late = await press_raw(replay, manager, message, f"mra:{purchase}:{old_version}:res")
    assert alerts(late) == []
    assert world.requests[purchase].status_version == old_version + 1
    writes = service_calls(replay, "request", "PATCH", f"/requests/{purchase}/status$")
    assert {c.idempotency_key for c in writes} == {
        f"st:{purchase}:{old_version}:in_progress:{MANAGER.id}"
    }
    assert_each_query_answered_once(replay)


def _albums(replay: Replay, chat_id: int, since: int) -> list[list[str | None]]:
    """The captions of each album (or single photo) sent to ``chat_id`` after call ``since``."""
    out: list[list[str | None]] = []
    for call in replay.telegram.calls[since:]:
        if not call.ok or call.params.get("chat_id") not in (chat_id, str(chat_id)):
            continue
        if call.method == "sendMediaGroup":
            media: list[dict[str, Any]] = call.params["media"]
            if isinstance(media, str):
                media = json.loads(media)
            out.append([item.get("caption") for item in media])
        elif call.method == "sendPhoto":
            out.append([call.params.get("caption")])
    return out


def _photos(replay: Replay, count: int) -> list[str]:
    return [replay.telegram.files.add("photo", f"p{i}".encode()).file_id for i in range(count)]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_every_role_card_sends_its_photos_as_albums(replay: Replay, language: str) -> None:
    world = replay.services
    number = world.seed_requests["in_progress"]
    request = world.requests[number]
    request.media_files = _photos(replay, 12)
    request.completion_media = _photos(replay, 1)
    button = tx(card_texts.BTN_PHOTOS, language, count=13)
    of_request = tx(card_texts.PHOTOS_OF_REQUEST, language, number=number, count=12)
    of_completion = tx(card_texts.PHOTOS_OF_COMPLETION, language, number=number, count=1)
    expected: list[list[str | None]] = [
        [of_request, *[None] * 9],
        [of_request, None],
        [of_completion],
    ]

    resident = staff(replay, RESIDENT, language, "Aziz")
    executor = staff(replay, PLUMBER, language, "Bekzod")
    manager = staff(replay, MANAGER, language, "Nodira")
    opened = {
        "resident": await replay.command(resident, "request_status", number),
        "executor": await replay.command(executor, "request_status", number),
        "manager": await replay.command(manager, "request_status", number),
    }
    for who, user in (("resident", resident), ("executor", executor), ("manager", manager)):
        assert button in opened[who].buttons(), who
        since = len(replay.telegram.calls)
        turn = await replay.press(user, button)
        # ≤ 10 per album, the caption (≤ 1024) on the first item of each set.
        assert _albums(replay, user.chat_id, since) == expected, who
        assert all(len(c or "") <= 1024 for album in expected for c in album)
        assert turn.methods[0] == "answerCallbackQuery"

    # Someone who may not see the request gets "not found", and no photo.
    # (an electrical request is in no pool of a plumber's and not assigned to him).
    hidden = world.seed_requests["new_electric"]
    world.requests[hidden].media_files = _photos(replay, 2)
    message = replay.telegram.bot_messages(executor.chat_id)[-1]
    since = len(replay.telegram.calls)
    turn = await press_raw(replay, executor, message, f"ph:{hidden}")
    assert alerts(turn) == [tx(comment_texts.NOT_FOUND, language)]
    assert _albums(replay, executor.chat_id, since) == []
    assert_each_query_answered_once(replay)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_executors_card_is_the_same_from_every_list(
    replay: Replay, language: str
) -> None:
    world = replay.services
    number = world.seed_requests["in_progress"]
    executor = staff(replay, PLUMBER, language, "Bekzod")
    await replay.text(executor, tx(ui_texts.BTN_ACTIVE_REQUESTS, language))
    from_active = await replay.press(executor, f"№ {number}")
    await replay.command(executor, "my_requests")
    from_mine = await replay.press(
        executor, f"№ {number} · {status_label('in_progress', language)}"
    )
    from_status = await replay.command(executor, "request_status", number)
    assert from_active.text == from_mine.text == from_status.text
    actions = [tx(executor_texts.BTN_PURCHASE, language), tx(executor_texts.BTN_COMPLETE, language)]
    for turn in (from_active, from_mine, from_status):
        assert turn.buttons()[:2] == actions
    # The actions work from the /my_requests card too.
    await replay.command(executor, "my_requests")
    await replay.press(executor, f"№ {number} · {status_label('in_progress', language)}")
    turn = await replay.press(executor, tx(executor_texts.BTN_PURCHASE, language))
    assert turn.text == tx(executor_texts.PURCHASE_ASK, language, number=number, limit=2000)
    assert_each_query_answered_once(replay)
