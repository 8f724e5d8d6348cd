"""The group pool: Claim, "already taken" with the list refreshed in place, and two executors
racing for the same request (one wins)."""

from __future__ import annotations

import pytest

from devkit.fakes.seed import ELECTRICIAN, PLUMBER
from tests.features.executor.helpers import (
    LANGUAGES,
    alerts,
    assert_each_query_answered_once,
    put_on_shift,
    service_calls,
    staff,
    toasts,
    tx,
)
from tests.replay_plugin import Replay
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.executor import texts


@pytest.mark.parametrize("language", LANGUAGES)
async def test_claim_from_the_pool(replay: Replay, language: str) -> None:
    world = replay.services
    number = world.seed_requests["new"]
    user = staff(replay, PLUMBER, language, "Bekzod")
    turn = await replay.text(user, tx(ui_texts.BTN_GROUP_POOL, language))
    assert turn.text.startswith(tx(texts.POOL_TITLE, language, total=1))
    assert world.seed_requests["new_electric"] not in turn.text  # not a plumber's group
    claim = tx(texts.BTN_CLAIM, language, number=number)
    assert claim in turn.buttons()

    turn = await replay.press(user, claim)
    assert toasts(turn) == [tx(texts.CLAIMED, language, number=number)]
    assert turn.methods == ["answerCallbackQuery", "editMessageText"]
    assert turn.text == tx(texts.POOL_EMPTY, language)  # the same message, refreshed
    request = world.requests[number]
    assert (request.status, request.executor_user_id) == ("in_progress", PLUMBER.id)
    [call] = service_calls(replay, "request", "POST", f"/requests/{number}/claim$")
    assert call.idempotency_key == f"claim:{number}:1:{PLUMBER.id}"

    # The request now heads the executor's active list.
    active = await replay.text(user, tx(ui_texts.BTN_ACTIVE_REQUESTS, language))
    assert number in active.text
    assert_each_query_answered_once(replay)


async def test_a_stale_pool_list_says_already_taken_and_refreshes(replay: Replay) -> None:
    world = replay.services
    number = world.seed_requests["new"]
    user = staff(replay, PLUMBER, "ru", "Bekzod")
    await replay.text(user, "Общие заявки")
    # Someone else claimed it meanwhile.
    request = world.requests[number]
    request.executor_user_id, request.assignment_type = ELECTRICIAN.id, "individual"
    request.status, request.status_version = "in_progress", 2
    turn = await replay.press(user, f"Взять № {number}")
    assert alerts(turn) == [tx(ui_texts.ERR_ALREADY_CLAIMED, "ru")]
    assert turn.text == tx(texts.POOL_EMPTY, "ru")
    assert world.requests[number].executor_user_id == ELECTRICIAN.id
    assert_each_query_answered_once(replay)


async def test_two_executors_claim_the_same_request_one_wins(replay: Replay) -> None:
    world = replay.services
    number = world.seed_requests["new"]
    # A second plumber on shift: the electrician learns plumbing.
    world.users[ELECTRICIAN.id].specializations = ["electrician", "plumber"]
    put_on_shift(replay, ELECTRICIAN.id, ["electrician", "plumber"])
    first = staff(replay, PLUMBER, "uz", "Bekzod")
    second = staff(replay, ELECTRICIAN, "ru", "Sardor")
    await replay.text(first, "Umumiy arizalar")
    await replay.text(second, "Общие заявки")

    calls_before = len(replay.telegram.calls)
    result = await replay.run(
        [
            first.press_button(f"№ {number} ni olish"),
            second.press_button(f"Взять № {number}"),
        ]
    )
    assert not result.dead_lettered
    answers = [
        c.params
        for c in replay.telegram.calls[calls_before:]
        if c.method == "answerCallbackQuery" and c.ok
    ]
    winner = world.requests[number].executor_user_id
    assert winner in (PLUMBER.id, ELECTRICIAN.id)
    won = tx(texts.CLAIMED, "uz" if winner == PLUMBER.id else "ru", number=number)
    lost = tx(ui_texts.ERR_ALREADY_CLAIMED, "ru" if winner == PLUMBER.id else "uz")
    assert sorted(str(a.get("text")) for a in answers) == sorted([won, lost])
    assert [a.get("show_alert") for a in answers if a.get("text") == lost] == [True]
    claims = service_calls(replay, "request", "POST", f"/requests/{number}/claim$")
    assert sorted(c.status or 0 for c in claims) == [200, 409]
    assert world.requests[number].status_version == 2  # claimed once
    assert_each_query_answered_once(replay)
