"""The executor's requests through the running system: active requests, the card, Purchase,
Resume and Complete (report → media → Finish), refused without an active shift, misbehaving users
and a downstream failure that leaves the flow resumable."""

from __future__ import annotations

import pytest

from devkit.fakes.seed import BLOCKED, MANAGER, PENDING_EXECUTOR, PLUMBER, RESIDENT
from tests.features.executor.helpers import (
    LANGUAGES,
    alerts,
    assert_each_query_answered_once,
    end_shifts,
    press_raw,
    reply_keyboard,
    service_calls,
    staff,
    toasts,
    tx,
)
from tests.replay_plugin import Replay
from workers.bot.core import texts as runtime_texts
from workers.bot.core.ui import status_label
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.executor import texts

ACTIVE = {"new", "in_progress", "purchase", "clarification", "done", "confirmed", "returned"}


def _status_calls(replay: Replay, number: str) -> list[dict[str, object]]:
    calls = service_calls(replay, "request", "PATCH", rf"/requests/{number}/status$")
    return [{"key": c.idempotency_key, **c.body, "answer": c.status} for c in calls]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_active_requests_then_complete_with_report_and_media(
    replay: Replay, language: str
) -> None:
    world = replay.services
    number = world.seed_requests["in_progress"]
    user = staff(replay, PLUMBER, language, "Bekzod")

    turn = await replay.text(user, tx(ui_texts.BTN_ACTIVE_REQUESTS, language))
    mine = [r for r in world.requests.values() if r.executor_user_id == PLUMBER.id]
    total = sum(1 for r in mine if r.status in ACTIVE)
    assert turn.text.startswith(tx(texts.ACTIVE_TITLE, language, total=total))
    # Most urgent first: the critical request heads the list.
    assert turn.text.index(number) < min(
        turn.text.index(r.request_number) for r in mine if r.urgency == "high"
    )
    assert "▶" in turn.buttons()  # 6 requests, 5 per page

    turn = await replay.press(user, f"№ {number}")
    assert turn.methods == ["answerCallbackQuery", "editMessageText"]
    assert tx(texts.BTN_PURCHASE, language) in turn.buttons()
    turn = await replay.press(user, tx(texts.BTN_COMPLETE, language))
    assert turn.text == tx(texts.REPORT_ASK, language, number=number, limit=2000)
    assert reply_keyboard(turn) == [[tx(ui_texts.BTN_CANCEL, language)]]

    # Misbehaving: a photo and an overlong text where the report is expected.
    assert (await replay.photo(user)).text == tx(texts.TEXT_EXPECTED, language)
    too_long = await replay.text(user, "я" * 2001)
    assert too_long.text == tx(texts.TEXT_TOO_LONG, language, length=2001, limit=2000)
    report = "Заменил <прокладку> & кран"
    turn = await replay.text(user, report)
    assert turn.text == tx(texts.MEDIA_ASK, language, limit=5)
    assert (await replay.text(user, "ещё слово")).text == tx(texts.MEDIA_EXPECTED, language)

    file_ids = []
    for count in range(1, 6):
        turn = await replay.photo(user)
        file_ids.append(turn.update["message"]["photo"][-1]["file_id"])
        assert turn.text == tx(texts.MEDIA_ADDED, language, count=count, limit=5)
    sixth = await replay.photo(user)
    assert sixth.text == tx(texts.MEDIA_LIMIT, language, limit=5)

    turn = await replay.press(user, tx(texts.BTN_FINISH, language))
    assert turn.text == tx(texts.COMPLETED, language, number=number)
    assert tx(ui_texts.BTN_ACTIVE_REQUESTS, language) in turn.buttons()  # the menu is back
    request = world.requests[number]
    assert request.status == "done"
    assert request.completion_report == report
    assert request.completion_media == file_ids  # the largest size of each, the 6th left out

    # A double tap on an older Finish: outdated, and still one write.
    late = await replay.press(user, tx(texts.BTN_FINISH, language))
    assert alerts(late) == [tx(ui_texts.OUTDATED, language)]
    calls = _status_calls(replay, number)
    assert len(calls) == 1
    assert calls[0]["status"] == "done" and str(calls[0]["key"]).startswith("draft:")
    assert_each_query_answered_once(replay)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_purchase_then_resume_and_a_stale_card(replay: Replay, language: str) -> None:
    world = replay.services
    number = world.seed_requests["in_progress"]
    user = staff(replay, PLUMBER, language, "Bekzod")
    await replay.text(user, tx(ui_texts.BTN_ACTIVE_REQUESTS, language))
    await replay.press(user, f"№ {number}")
    turn = await replay.press(user, tx(texts.BTN_PURCHASE, language))
    assert turn.text == tx(texts.PURCHASE_ASK, language, number=number, limit=2000)
    turn = await replay.text(user, "Смеситель и 2 м трубы")
    assert turn.text == tx(texts.PURCHASE_DONE, language, number=number)
    assert world.requests[number].status == "purchase"
    assert world.comments_of(number)[-1].comment_text == "Смеситель и 2 м трубы"

    await replay.text(user, tx(ui_texts.BTN_ACTIVE_REQUESTS, language))
    card = await replay.press(user, f"№ {number}")
    assert tx(texts.BTN_RESUME, language) in card.buttons()
    turn = await replay.press(user, tx(texts.BTN_RESUME, language))
    assert toasts(turn) == [tx(texts.RESUMED, language, number=number)]
    assert world.requests[number].status == "in_progress"
    assert turn.methods[-1] == "editMessageText"  # the card refreshed in place

    # Another purchase request changes under an open card: Resume is then outdated.
    other = world.seed_requests["purchase"]
    await replay.text(user, tx(ui_texts.BTN_ACTIVE_REQUESTS, language))
    await replay.press(user, f"№ {other}")
    world.requests[other].status = "clarification"
    world.requests[other].status_version += 1
    turn = await replay.press(user, tx(texts.BTN_RESUME, language))
    assert alerts(turn) == [tx(ui_texts.ERR_CHANGED, language)]
    assert status_label("clarification", language) in turn.text
    assert world.requests[other].status == "clarification"
    assert_each_query_answered_once(replay)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_purchase_and_complete_on_an_outdated_card_say_so_at_once(
    replay: Replay, language: str
) -> None:
    """The card is checked when Purchase / Complete is pressed, not when the report is finished:
    an outdated card gets the "outdated" alert and the card as it is now, and no step starts."""
    world = replay.services
    number = world.seed_requests["in_progress"]
    user = staff(replay, PLUMBER, language, "Bekzod")
    await replay.text(user, tx(ui_texts.BTN_ACTIVE_REQUESTS, language))
    await replay.press(user, f"№ {number}")
    world.requests[number].status_version += 1  # changed by someone else meanwhile
    turn = await replay.press(user, tx(texts.BTN_PURCHASE, language))
    assert alerts(turn) == [tx(ui_texts.OUTDATED, language)]
    assert turn.methods[-1] == "editMessageText"  # the card as it is now, in place
    assert tx(texts.PURCHASE_ASK, language, number=number, limit=2000) not in turn.texts
    turn = await replay.text(user, "Смеситель")  # no step: this is no purchase note
    assert _status_calls(replay, number) == []

    # The refreshed card is current: Complete starts its step at once.
    turn = await replay.press(user, tx(texts.BTN_COMPLETE, language))
    assert turn.text == tx(texts.REPORT_ASK, language, number=number, limit=2000)
    await replay.command(user, "cancel")

    # Cancelled under an open card: Complete says so before any report is typed.
    await replay.text(user, tx(ui_texts.BTN_ACTIVE_REQUESTS, language))
    await replay.press(user, f"№ {number}")
    world.requests[number].status = "cancelled"
    world.requests[number].status_version += 1
    turn = await replay.press(user, tx(texts.BTN_COMPLETE, language))
    assert alerts(turn) == [tx(ui_texts.OUTDATED, language)]
    assert status_label("cancelled", language) in turn.text
    assert tx(texts.BTN_COMPLETE, language) not in turn.buttons()
    assert _status_calls(replay, number) == []
    assert_each_query_answered_once(replay)


async def test_work_needs_an_active_shift(replay: Replay) -> None:
    world = replay.services
    end_shifts(replay, PLUMBER.id)
    user = staff(replay, PLUMBER, "uz", "Bekzod")
    number = world.seed_requests["in_progress"]
    await replay.text(user, "Faol arizalar")
    await replay.press(user, f"№ {number}")
    turn = await replay.press(user, tx(texts.BTN_COMPLETE, "uz"))
    assert alerts(turn) == ["Avval smenani boshlang."]
    # No flow started: text now is no report.
    assert (await replay.text(user, "hisobot")).text != tx(texts.MEDIA_ASK, "uz", limit=5)

    purchase = world.seed_requests["purchase"]
    await replay.text(user, "Faol arizalar")
    await replay.press(user, f"№ {purchase}")
    turn = await replay.press(user, tx(texts.BTN_RESUME, "uz"))
    assert alerts(turn) == ["Avval smenani boshlang."]  # the service's 422 no_active_shift
    assert world.requests[purchase].status == "purchase"

    pool = await replay.text(user, "Umumiy arizalar")
    assert world.seed_requests["new"] in pool.text
    turn = await replay.press(user, f"№ {world.seed_requests['new']} ni olish")
    assert alerts(turn) == ["Avval smenani boshlang."]
    assert world.requests[world.seed_requests["new"]].executor_user_id is None
    assert_each_query_answered_once(replay)


async def test_misbehaving_mid_flow_start_and_language_switch(replay: Replay) -> None:
    world = replay.services
    number = world.seed_requests["in_progress"]
    user = staff(replay, PLUMBER, "ru", "Bekzod")
    await replay.text(user, "Активные заявки")
    await replay.press(user, f"№ {number}")
    await replay.press(user, "Выполнено")
    # Switching the language mid-flow keeps the flow; the next prompt is in the new language.
    await replay.command(user, "language")
    await replay.press(user, "O'zbekcha")
    turn = await replay.text(user, "Kran almashtirildi")
    assert turn.text == tx(texts.MEDIA_ASK, "uz", limit=5)
    # /start mid-flow clears it: the old Finish button is outdated and nothing is written.
    await replay.command(user, "start")
    turn = await replay.press(user, tx(texts.BTN_FINISH, "uz"))
    assert alerts(turn) == [tx(ui_texts.OUTDATED, "uz")]
    assert world.requests[number].status == "in_progress"
    assert _status_calls(replay, number) == []
    # Tampered callback data on a real card: outdated, never a crash.
    card = world.requests[number]
    message = replay.telegram.bot_messages(user.chat_id)[-1]
    turn = await press_raw(replay, user, message, f"exa:{card.request_number}:x:cmp")
    assert alerts(turn) == [tx(ui_texts.OUTDATED, "uz")]
    assert_each_query_answered_once(replay)


@pytest.mark.replay(env={"PIPELINE_MAX_ATTEMPTS": "2"})
async def test_a_failing_write_apologises_and_the_draft_survives(replay: Replay) -> None:
    world = replay.services
    number = world.seed_requests["in_progress"]
    user = staff(replay, PLUMBER, "ru", "Bekzod")
    await replay.text(user, "Активные заявки")
    await replay.press(user, f"№ {number}")
    await replay.press(user, "Выполнено")
    await replay.text(user, "Поменял кран")
    await replay.photo(user)
    world.controls["request"].fail_next(times=2, status=500, method="PATCH")
    turn = await replay.press(user, "Готово")
    # The press was answered at once (before the first attempt failed), so the apology of the
    # last attempt is a message in the chat, not a second answer.
    assert alerts(turn) == []
    sent = [m.get("text") for m in replay.telegram.bot_messages(user.chat_id)]
    assert tx(runtime_texts.UNAVAILABLE, "ru") in sent
    assert world.requests[number].status == "in_progress"
    # The draft is still there: Finish again, and the same key goes through once.
    turn = await replay.press(user, "Готово")
    assert turn.text == tx(texts.COMPLETED, "ru", number=number)
    calls = _status_calls(replay, number)
    assert [c["answer"] for c in calls] == [500, 500, 200]
    assert len({c["key"] for c in calls}) == 1
    assert world.requests[number].completion_report == "Поменял кран"
    assert_each_query_answered_once(replay)


async def test_refused_for_other_roles_and_states(replay: Replay) -> None:
    resident = staff(replay, RESIDENT, "uz", "Aziz")
    turn = await replay.text(resident, "Faol arizalar")
    assert turn.texts == [tx(runtime_texts.ROLE_REFUSED, "uz")]
    manager = staff(replay, MANAGER, "ru", "Nodira")
    turn = await replay.text(manager, "Общие заявки")
    assert turn.texts == [tx(runtime_texts.ROLE_REFUSED, "ru")]
    pending = staff(replay, PENDING_EXECUTOR, "uz", "Otabek")
    turn = await replay.text(pending, "Umumiy arizalar")
    assert turn.texts == [tx(runtime_texts.AWAITING_APPROVAL, "uz")]
    blocked = staff(replay, BLOCKED, "ru", "Rustam")
    turn = await replay.text(blocked, "Активные заявки")
    assert turn.texts == [tx(runtime_texts.ACCESS_BLOCKED, "ru")]
    # A claim button pressed by someone who is no executor: an alert, nothing claimed.
    number = replay.services.seed_requests["new"]
    message = replay.telegram.bot_messages(manager.chat_id)[-1]
    turn = await press_raw(replay, manager, message, f"plc:{number}:1:1")
    assert alerts(turn) == [tx(runtime_texts.ROLE_REFUSED, "ru")]
    assert replay.services.requests[number].executor_user_id is None
    assert service_calls(replay, "request", "POST", "/claim$") == []
    assert_each_query_answered_once(replay)
