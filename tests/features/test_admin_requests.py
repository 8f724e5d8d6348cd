"""The manager's requests: lists by status, the card, assignment to a group or an executor, the
status actions with and without a reason, a stale card, and who may not open them."""

from __future__ import annotations

import pytest

from devkit.fakes.seed import ADMIN, MANAGER, PLUMBER, RESIDENT
from tests.features.executor.helpers import (
    LANGUAGES,
    alerts,
    assert_each_query_answered_once,
    press_raw,
    reply_keyboard,
    service_calls,
    staff,
    toasts,
    tx,
)
from tests.replay_plugin import Replay
from workers.bot.core import texts as runtime_texts
from workers.bot.core.ui import specialization_label, status_label
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.admin import texts


@pytest.mark.parametrize("language", LANGUAGES)
async def test_lists_by_status_and_assignment(replay: Replay, language: str) -> None:
    world = replay.services
    new, electric = world.seed_requests["new"], world.seed_requests["new_electric"]
    user = staff(replay, MANAGER, language, "Nodira")
    turn = await replay.text(user, tx(ui_texts.BTN_REQUESTS, language))
    assert turn.text.startswith(
        tx(texts.REQUESTS_TITLE, language, tab=tx(texts.TAB_NEW, language), total=2)
    )
    assert turn.text.index(electric) < turn.text.index(new)  # critical before high
    done = await replay.press(user, tx(texts.TAB_DONE, language))
    assert done.methods == ["answerCallbackQuery", "editMessageText"]
    assert world.seed_requests["done"] in done.text and new not in done.text

    await replay.press(user, tx(texts.TAB_NEW, language))
    card = await replay.press(user, f"№ {new}")
    assert "Aziz Karimov" in card.text  # the applicant by name
    group = specialization_label("plumber", language)
    assert tx(texts.CARD_GROUP, language, group=group) in card.text
    picker = await replay.press(user, tx(texts.BTN_ASSIGN_EXECUTOR, language))
    assert picker.text.startswith(tx(texts.PICK_EXECUTOR, language, number=new, group=group))
    turn = await replay.press(user, "🟢 Bekzod Tursunov")  # on shift now
    assert toasts(turn) == [tx(texts.SAVED, language)]
    request = world.requests[new]
    assert (request.status, request.executor_user_id) == ("in_progress", PLUMBER.id)
    [call] = service_calls(replay, "request", "POST", f"/requests/{new}/assign$")
    assert call.idempotency_key == f"assign:{new}:1:e:{PLUMBER.id}:{MANAGER.id}"
    assert status_label("in_progress", language) in turn.text

    await replay.text(user, tx(ui_texts.BTN_REQUESTS, language))
    await replay.press(user, f"№ {electric}")
    await replay.press(user, tx(texts.BTN_ASSIGN_GROUP, language))
    turn = await replay.press(user, specialization_label("elevator", language))
    assert world.requests[electric].assigned_group == "elevator"
    assert world.requests[electric].status == "new"
    group = specialization_label("elevator", language)
    assert tx(texts.CARD_GROUP, language, group=group) in turn.text
    assert_each_query_answered_once(replay)


async def test_status_actions_with_reasons_and_a_stale_card(replay: Replay) -> None:
    world = replay.services
    user = staff(replay, ADMIN, "ru", "Dilshod")
    done = world.seed_requests["done"]
    await replay.text(user, "Заявки")
    await replay.press(user, "На проверке")
    await replay.press(user, f"№ {done}")
    turn = await replay.press(user, "Подтвердить")
    assert toasts(turn) == [f"Заявка № {done}: Исполнено."]
    assert world.requests[done].status == "confirmed"
    # Confirmed work goes back with a reason asked for in a step of its own.
    turn = await replay.press(user, "Вернуть в работу")
    assert turn.text == tx(texts.ASK_RETURN_REASON, "ru", number=done, limit=2000)
    assert reply_keyboard(turn) == [["Отмена"]]
    assert (await replay.photo(user)).text == tx(texts.TEXT_EXPECTED, "ru")
    turn = await replay.text(user, "Кран <всё ещё> течёт")
    assert turn.texts[0] == f"Заявка № {done}: В работе."
    assert "Кран &lt;всё ещё&gt; течёт" not in turn.texts[0]
    assert world.requests[done].status == "in_progress"
    assert world.comments_of(done)[-1].comment_text == "Кран <всё ещё> течёт"
    reason_call = service_calls(replay, "request", "PATCH", f"/requests/{done}/status$")[-1]
    assert str(reason_call.idempotency_key).startswith("draft:")

    returned = world.seed_requests["returned"]
    await replay.text(user, "Заявки")
    await replay.press(user, "Возвращённые")
    await replay.press(user, f"№ {returned}")
    await replay.press(user, "Принять за жителя")
    assert world.requests[returned].status == "accepted"

    new = world.seed_requests["new"]
    await replay.text(user, "Заявки")
    await replay.press(user, f"№ {new}")
    await replay.press(user, "Отменить заявку")
    await replay.text(user, "Дубликат")
    assert world.requests[new].status == "cancelled"

    # A card whose request changed meanwhile: the action is outdated, the card refreshed.
    confirmed = world.seed_requests["confirmed"]
    await replay.text(user, "Заявки")
    await replay.press(user, "Закуп")
    await replay.press(user, f"№ {world.seed_requests['purchase']}")
    world.requests[world.seed_requests["purchase"]].status_version += 1
    # Checked when the step starts: no question is asked for an outdated card.
    turn = await replay.press(user, "Уточнить")
    assert alerts(turn) == [tx(ui_texts.OUTDATED, "ru")]
    assert turn.methods[-1] == "editMessageText"  # the card as it is now
    # Changed while the question is typed: the write refuses it, the flow ends.
    await replay.press(user, "Уточнить")
    world.requests[world.seed_requests["purchase"]].status_version += 1
    turn = await replay.text(user, "Какой радиатор?")
    assert turn.texts == [tx(ui_texts.ERR_CHANGED, "ru")]
    assert "Заявки" in [b for row in reply_keyboard(turn) for b in row]  # the flow ended
    assert world.requests[world.seed_requests["purchase"]].status == "purchase"
    await replay.text(user, "Заявки")
    card_message = replay.telegram.bot_messages(user.chat_id)[-1]
    version = world.requests[confirmed].status_version
    turn = await press_raw(replay, user, card_message, f"mra:{confirmed}:{version - 1}:acc")
    assert alerts(turn) == [tx(ui_texts.ERR_CHANGED, "ru")]
    assert world.requests[confirmed].status == "confirmed"
    assert f"Заявка № {confirmed}" in turn.text  # the card as it is now
    assert_each_query_answered_once(replay)


async def test_manager_requests_are_refused_for_others(replay: Replay) -> None:
    plumber = staff(replay, PLUMBER, "uz", "Bekzod")
    assert (await replay.text(plumber, "Arizalar")).texts == [tx(runtime_texts.ROLE_REFUSED, "uz")]
    resident = staff(replay, RESIDENT, "ru", "Aziz")
    assert (await replay.text(resident, "Заявки")).texts == [tx(runtime_texts.ROLE_REFUSED, "ru")]
    number = replay.services.seed_requests["done"]
    message = replay.telegram.bot_messages(plumber.chat_id)[-1]
    turn = await press_raw(replay, plumber, message, f"mra:{number}:4:cnf")
    assert alerts(turn) == [tx(runtime_texts.ROLE_REFUSED, "uz")]
    assert replay.services.requests[number].status == "done"
    assert_each_query_answered_once(replay)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_reason_step_on_an_outdated_card_is_refused_at_once(
    replay: Replay, language: str
) -> None:
    world = replay.services
    new = world.seed_requests["new"]
    user = staff(replay, MANAGER, language, "Nodira")
    await replay.text(user, tx(ui_texts.BTN_REQUESTS, language))
    await replay.press(user, f"№ {new}")
    world.requests[new].status_version += 1  # changed by someone else meanwhile
    turn = await replay.press(user, tx(texts.BTN_CANCEL_REQUEST, language))
    assert alerts(turn) == [tx(ui_texts.OUTDATED, language)]
    assert tx(texts.ASK_CANCEL_REASON, language, number=new, limit=2000) not in turn.texts
    await replay.text(user, "Дубликат")  # no step: this is no cancellation reason
    assert service_calls(replay, "request", "PATCH", f"/requests/{new}/status$") == []
    assert world.requests[new].status == "new"
    # The refreshed card is current: the reason is asked for at once.
    turn = await replay.press(user, tx(texts.BTN_CANCEL_REQUEST, language))
    assert turn.text == tx(texts.ASK_CANCEL_REASON, language, number=new, limit=2000)
    assert_each_query_answered_once(replay)
