"""/request_status and the request card: visibility, the number's format, and the applicant's
actions (Cancel while new, Reply while in clarification) with stale buttons."""

from __future__ import annotations

import pytest

from devkit.fakes import seed
from tests.features.requests.support import (
    OUTDATED_RU,
    alerts,
    assert_every_callback_answered_once,
    service_calls,
    t,
)
from tests.replay_plugin import Replay
from workers.bot.core import texts as runtime_texts
from workers.bot.features.fallback import texts as fallback_texts
from workers.bot.features.requests import texts

# The owner's card carries the comment thread's two buttons under its actions.
COMMENTS_RU = ["💬 Комментарии", "✍️ Написать комментарий"]


async def test_request_status_checks_the_number_and_hides_what_is_not_visible(
    replay: Replay,
) -> None:
    numbers = replay.services.seed_requests
    neighbour = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    assert (await replay.command(neighbour, "request_status")).text == (
        "Введите номер заявки, например 250114-007."
    )
    assert (await replay.photo(neighbour)).text.startswith("Введите номер заявки")
    assert (await replay.text(neighbour, "7")).text == (
        "Номер заявки выглядит так: 250114-007. Попробуйте ещё раз."
    )
    # A flat-mate sees the request (R5 visibility), without the owner's actions.
    turn = await replay.text(neighbour, f"№ {numbers['new']}")
    assert turn.text.startswith(f"<b>Заявка № {numbers['new']}</b>\n<b>Статус:</b> Новая")
    assert turn.markup() is None
    # The lookup is over: other text is no number any more.
    assert (await replay.text(neighbour, "привет")).texts == [t(fallback_texts.HINT_IDLE, "ru")]

    plumber = replay.user(seed.PLUMBER.telegram_id, "Bekzod", language_code="uz")
    hidden = await replay.command(plumber, "request_status", numbers["new_electric"])
    missing = await replay.command(plumber, "request_status", "999999-999")
    assert hidden.texts == [f"№ {numbers['new_electric']} ariza topilmadi."]
    assert missing.texts == ["№ 999999-999 ariza topilmadi."]
    bad = await replay.command(plumber, "request_status", "25-7")
    assert bad.texts == [t(texts.BAD_NUMBER, "uz", example="250114-007")]

    manager = replay.user(seed.MANAGER.telegram_id, "Nodira")
    turn = await replay.command(manager, "request_status", numbers["new_electric"])
    assert turn.text.startswith(f"<b>Заявка № {numbers['new_electric']}</b>")
    admin = replay.user(seed.ADMIN.telegram_id, "Dilshod")
    turn = await replay.command(admin, "request_status", numbers["new_electric"])
    assert turn.text.startswith(f"<b>Заявка № {numbers['new_electric']}</b>")
    # Managers and admins see every request; everybody else is R5's viewer.
    gets = service_calls(replay, "GET", f"/requests/{numbers['new_electric']}")
    assert [("viewer_user_id" in c.query) for c in gets] == [True, False, False]


@pytest.mark.parametrize("locale", ["ru", "uz"])
async def test_request_status_is_refused_to_the_unapproved(replay: Replay, locale: str) -> None:
    replay.services.users[seed.PENDING_RESIDENT.id].language_code = locale
    replay.services.users[seed.BLOCKED.id].language_code = locale
    number = replay.services.seed_requests["new"]
    cases = {
        seed.PENDING_RESIDENT.telegram_id: runtime_texts.AWAITING_APPROVAL,
        seed.BLOCKED.telegram_id: runtime_texts.ACCESS_BLOCKED,
        7_320_001: runtime_texts.NOT_REGISTERED,
    }
    for telegram_id, refusal in cases.items():
        user = replay.user(telegram_id, "X", language_code=locale)
        turn = await replay.command(user, "request_status", number)
        assert turn.texts == [t(refusal, locale)]


async def test_the_owner_cancels_a_new_request_once(replay: Replay) -> None:
    replay.services.users[seed.RESIDENT.id].language_code = "ru"
    number = replay.services.seed_requests["new"]
    user = replay.user(seed.RESIDENT.telegram_id, "Aziz")
    turn = await replay.command(user, "request_status", number)
    assert turn.buttons() == ["✖️ Отменить заявку", *COMMENTS_RU]
    turn = await replay.press(user, "✖️ Отменить заявку")
    assert turn.text == f"Отменить заявку № {number}? Это действие нельзя отменить."
    assert turn.buttons() == ["Да, отменить", "Нет"]
    assert (await replay.press(user, "Нет")).buttons() == ["✖️ Отменить заявку", *COMMENTS_RU]
    await replay.press(user, "✖️ Отменить заявку")
    question = replay.telegram.last_bot_message(user.id, with_button="Да, отменить")
    assert question is not None
    taps = [user.press(question, "Да, отменить"), user.press(question, "Да, отменить")]
    done = await replay.send(taps[0])
    late = await replay.send(taps[1])
    assert done.text.startswith(f"Заявка № {number} отменена.\n\n<b>Заявка № {number}</b>")
    assert "<b>Статус:</b> Отменена" in done.text
    assert alerts(late) == [OUTDATED_RU]
    assert replay.services.requests[number].status == "cancelled"
    patches = service_calls(replay, "PATCH", f"/requests/{number}/status")
    assert [c.idempotency_key for c in patches] == [f"st:{number}:1:cancelled"]
    assert_every_callback_answered_once(replay)


async def test_a_card_older_than_the_request_is_stale(replay: Replay) -> None:
    replay.services.users[seed.RESIDENT.id].language_code = "ru"
    number = replay.services.seed_requests["new"]
    user = replay.user(seed.RESIDENT.telegram_id, "Aziz")
    await replay.command(user, "request_status", number)
    # Meanwhile a manager assigned it: the card's Cancel no longer applies.
    request = replay.services.requests[number]
    request.status, request.status_version = "in_progress", 2
    request.executor_user_id = seed.PLUMBER.id
    turn = await replay.press(user, "✖️ Отменить заявку")
    assert alerts(turn) == [OUTDATED_RU]
    assert "<b>Статус:</b> В работе" in turn.text
    assert turn.buttons() == COMMENTS_RU  # no Cancel any more; the thread stays
    assert service_calls(replay, "PATCH", f"/requests/{number}/status") == []


async def test_the_owner_answers_a_clarification_in_uzbek(replay: Replay) -> None:
    world = replay.services
    number = world.seed_requests["clarification"]
    question = next(c for c in world.comments_of(number) if c.new_status == "clarification")
    question.comment_text = "Qaysi qavatda? <aniq>"
    user = replay.user(seed.RESIDENT.telegram_id, "Aziz", language_code="uz")
    turn = await replay.command(user, "request_status", number)
    assert "<b>Menejer savoli:</b>\nQaysi qavatda? &lt;aniq&gt;" in turn.text
    turn = await replay.press(user, "💬 Javob berish")
    assert turn.text == t(texts.ASK_REPLY, "uz", number=number, max=2000)
    assert turn.buttons() == [t("Отмена", "uz")]
    assert (await replay.photo(user)).text == t(texts.REPLY_EXPECTED, "uz", max=2000)
    reply = await replay.text(user, "3-qavat, 45-xonadon")
    assert reply.text == f"№ {number} ariza bo'yicha javob yuborildi."
    assert t("Создать заявку", "uz") in reply.buttons()
    comment = world.comments_of(number)[-1]
    assert (comment.author_user_id, comment.comment_text) == (
        seed.RESIDENT.id,
        "3-qavat, 45-xonadon",
    )
    posts = service_calls(replay, "POST", f"/requests/{number}/comments")
    assert [c.idempotency_key for c in posts] == [f"upd:{reply.update['update_id']}"]
    assert_every_callback_answered_once(replay)
