"""Acceptance: the list (and the menu badge), Accept with a 1..5 rating (R9), Return with a
reason and media (R10); double taps, stale keyboards, refusals."""

from __future__ import annotations

import pytest

from devkit.fakes import seed
from tests.features.requests.support import (
    OUTDATED_RU,
    album,
    alerts,
    assert_every_callback_answered_once,
    photo_file_id,
    service_calls,
    t,
)
from tests.replay_plugin import Replay
from workers.bot.core import texts as runtime_texts
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.requests.acceptance import texts


async def test_accepting_with_a_rating_in_uzbek(replay: Replay) -> None:
    number = replay.services.seed_requests["confirmed"]
    version = replay.services.requests[number].status_version
    user = replay.user(seed.RESIDENT.telegram_id, "Aziz", language_code="uz")
    acceptance = t(ui_texts.BTN_ACCEPTANCE, "uz")
    menu = await replay.command(user, "menu")
    assert f"{acceptance} (1)" in menu.buttons()

    turn = await replay.text(user, f"{acceptance} (1)")
    assert turn.text.startswith("<b>Qabul qilishni kutmoqda</b> — 1")
    assert f"<b>{number}</b> · Ijro etildi · Santexnika" in turn.text
    turn = await replay.press(user, f"№ {number} · Ijro etildi")
    assert turn.buttons() == [
        "✅ Qabul qilish",
        "↩️ Qaytarish",
        "💬 Izohlar",  # the comment thread
        "✍️ Izoh yozish",
        "◀️ Ro'yxatga",
    ]
    turn = await replay.press(user, "✅ Qabul qilish")
    assert turn.text == f"№ {number} ariza bo'yicha ishni baholang:"
    assert turn.buttons() == ["1 ★", "2 ★", "3 ★", "4 ★", "5 ★", "◀️ Orqaga"]

    rating = replay.telegram.last_bot_message(user.id, with_button="4 ★")
    assert rating is not None
    taps = [user.press(rating, "4 ★"), user.press(rating, "4 ★")]
    done = await replay.send(taps[0])
    late = await replay.send(taps[1])
    assert done.text == f"Rahmat! № {number} ariza qabul qilindi, bahoyingiz: ★★★★☆."
    assert acceptance in done.buttons()  # the menu again, no badge now
    assert "<b>Holati:</b> Qabul qilindi" in done.texts[0]
    assert alerts(late) == [t(ui_texts.OUTDATED, "uz")]
    request = replay.services.requests[number]
    assert (request.status, request.rating) == ("accepted", 4)
    accepts = service_calls(replay, "POST", f"/requests/{number}/accept")
    assert [c.idempotency_key for c in accepts] == [f"accept:{number}:{version}:{seed.RESIDENT.id}"]

    turn = await replay.text(user, acceptance)
    assert turn.text == "<b>Qabul qilishni kutmoqda</b> — 0\n\n" + t(texts.LIST_EMPTY, "uz")
    assert_every_callback_answered_once(replay)


async def test_returning_with_a_reason_and_photos_in_russian(replay: Replay) -> None:
    replay.services.users[seed.RESIDENT.id].language_code = "ru"
    number = replay.services.seed_requests["confirmed"]
    user = replay.user(seed.RESIDENT.telegram_id, "Aziz")
    await replay.command(user, "request_status", number)
    turn = await replay.press(user, "↩️ Вернуть")
    assert turn.text.startswith(f"Что не так с работой по заявке № {number}?")
    assert turn.buttons() == ["Отмена"]
    start_id = turn.update["update_id"]

    assert (await replay.text(user, "ok")).text == "Слишком коротко: 2 симв. Нужно не меньше 3."
    assert (await replay.text(user, "x" * 1001)).text == (
        "Слишком длинно: 1001 симв. Можно не больше 1000."
    )
    assert (await replay.photo(user)).text == "Напишите причину текстом: от 3 до 1000 символов."
    turn = await replay.text(user, "Снова течёт <под> раковиной")
    assert turn.text.startswith("Можно приложить до 5 фото или видео.")
    photos = album(user, "ret-1", 2)
    for update in photos:
        await replay.send(update)
    turn = await replay.press(user, "Готово")
    assert turn.text == (
        f"<b>Возврат заявки № {number}</b>\n\n<b>Причина:</b>\nСнова течёт &lt;под&gt; раковиной"
        "\n\n<b>Фото и видео:</b> 2"
    )
    assert "Выберите вариант кнопками" in (await replay.text(user, "и что?")).text

    send = replay.telegram.last_bot_message(user.id, with_button="✅ Отправить")
    assert send is not None
    taps = [user.press(send, "✅ Отправить"), user.press(send, "✅ Отправить")]
    done = await replay.send(taps[0])
    late = await replay.send(taps[1])
    assert done.text == f"Заявка № {number} возвращена. Менеджер разберётся и сообщит о решении."
    assert "Создать заявку" in done.buttons()
    assert alerts(late) == [OUTDATED_RU]
    request = replay.services.requests[number]
    assert (request.status, request.return_reason) == ("returned", "Снова течёт <под> раковиной")
    returns = service_calls(replay, "POST", f"/requests/{number}/return")
    assert [c.idempotency_key for c in returns] == [f"draft:{user.id}-{start_id}"]
    assert returns[0].body["media_files"] == [photo_file_id(u) for u in photos]
    assert_every_callback_answered_once(replay)


async def test_a_return_overtaken_by_the_manager_is_dropped(replay: Replay) -> None:
    replay.services.users[seed.RESIDENT.id].language_code = "ru"
    number = replay.services.seed_requests["confirmed"]
    user = replay.user(seed.RESIDENT.telegram_id, "Aziz")
    await replay.command(user, "request_status", number)
    await replay.press(user, "↩️ Вернуть")
    await replay.text(user, "Работа не сделана")
    await replay.press(user, "Пропустить")
    request = replay.services.requests[number]
    request.status, request.status_version = "accepted", request.status_version + 1
    summary = replay.telegram.last_bot_message(user.id, with_button="✅ Отправить")
    assert summary is not None
    # Both buttons pressed before the bot answers the first.
    send, discard = user.press(summary, "✅ Отправить"), user.press(summary, "✖️ Не возвращать")
    turn = await replay.send(send)
    assert "<b>Статус:</b> Принято" in turn.texts[0]
    assert turn.text == t(ui_texts.ERR_CHANGED, "ru")
    assert "Мои заявки" in turn.buttons()
    # The draft is gone: the summary's other button is stale now.
    assert alerts(await replay.send(discard)) == [OUTDATED_RU]
    assert service_calls(replay, "POST", f"/requests/{number}/return") != []


async def test_a_rating_keyboard_older_than_the_request_is_stale(replay: Replay) -> None:
    replay.services.users[seed.RESIDENT.id].language_code = "ru"
    number = replay.services.seed_requests["confirmed"]
    user = replay.user(seed.RESIDENT.telegram_id, "Aziz")
    await replay.command(user, "request_status", number)
    await replay.press(user, "✅ Принять")
    request = replay.services.requests[number]
    request.status, request.status_version = "in_progress", request.status_version + 1
    turn = await replay.press(user, "5 ★")
    assert alerts(turn) == [OUTDATED_RU]
    assert "<b>Статус:</b> В работе" in turn.text
    assert service_calls(replay, "POST", f"/requests/{number}/accept") == []


async def test_discarding_a_return_keeps_the_request(replay: Replay) -> None:
    number = replay.services.seed_requests["confirmed"]
    user = replay.user(seed.RESIDENT.telegram_id, "Aziz", language_code="uz")
    await replay.command(user, "request_status", number)
    await replay.press(user, "↩️ Qaytarish")
    await replay.text(user, "Ish sifatsiz bajarilgan")
    await replay.press(user, "O'tkazib yuborish")
    turn = await replay.press(user, "✖️ Qaytarmaslik")
    assert turn.text == "Qaytarish bekor qilindi."
    assert replay.services.requests[number].status == "confirmed"


@pytest.mark.parametrize("locale", ["ru", "uz"])
async def test_acceptance_is_for_approved_applicants(replay: Replay, locale: str) -> None:
    for who in (seed.PLUMBER, seed.MANAGER, seed.PENDING_RESIDENT):
        replay.services.users[who.id].language_code = locale
    button = t(ui_texts.BTN_ACCEPTANCE, locale)
    cases = {
        seed.PLUMBER: runtime_texts.ROLE_REFUSED,
        seed.MANAGER: runtime_texts.ROLE_REFUSED,
        seed.PENDING_RESIDENT: runtime_texts.AWAITING_APPROVAL,
    }
    for who, refusal in cases.items():
        user = replay.user(who.telegram_id, "X", language_code=locale)
        assert (await replay.text(user, button)).texts == [t(refusal, locale)], who
    assert service_calls(replay, "GET", "/requests/") == []
