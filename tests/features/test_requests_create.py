"""/create_request end to end: the real runtime against the fakes, in Russian and Uzbek, with
users who misbehave (random text, photos where text is expected, albums over the limit, double
taps, stale buttons)."""

from __future__ import annotations

from devkit.fakes import seed
from tests.features.requests.support import (
    OUTDATED_RU,
    album,
    alerts,
    assert_every_callback_answered_once,
    new_requests,
    photo_file_id,
    service_calls,
    t,
    video,
)
from tests.replay_plugin import Replay
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.requests import texts

APARTMENT_RU = "Olmazor-1, Navoiy ko'chasi 12, кв. 5"


async def test_a_request_filed_in_russian_by_a_clumsy_user(replay: Replay) -> None:
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    start = await replay.command(user, "create_request")
    assert start.texts[0].startswith("<b>Новая заявка.</b>")
    assert start.markup() is not None
    assert start.buttons()[:2] == ["Электрика", "Сантехника"]
    assert len(start.buttons()) == 9
    start_update_id = start.update["update_id"]

    # Typing instead of pressing a button: a hint and the step again.
    turn = await replay.text(user, "привет")
    assert turn.text.startswith("Выберите вариант кнопками под сообщением.")
    assert "Шаг 1 из 5" in turn.text

    turn = await replay.press(user, "Сантехника")
    assert turn.methods == ["answerCallbackQuery", "editMessageText"]
    assert "Шаг 2 из 5" in turn.text
    assert turn.buttons() == [
        APARTMENT_RU,
        "Olmazor-1, Navoiy ko'chasi 12 (весь дом)",
        "Olmazor-1 (весь двор)",
    ]
    turn = await replay.press(user, APARTMENT_RU)
    assert "от 10 до 2000 символов" in turn.text

    assert (await replay.text(user, " short ")).text == (
        "Слишком коротко: 5 симв. Нужно не меньше 10."
    )
    assert (await replay.text(user, "я" * 2001)).text == (
        "Слишком длинно: 2001 симв. Можно не больше 2000."
    )
    assert "Опишите проблему текстом" in (await replay.photo(user)).text
    turn = await replay.text(user, "  Течёт кран <b>сильно</b> & быстро  ")
    assert "Шаг 4 из 5" in turn.text
    turn = await replay.press(user, "Срочная")
    assert "Шаг 5 из 5" in turn.text and turn.buttons() == ["Пропустить"]

    assert "Пришлите фото или видео" in (await replay.text(user, "вот")).text
    # An album of 4: one note, edited for each later item of the album.
    first, *rest = album(user, "alb-1", 4)
    turn = await replay.send(first)
    assert turn.text == "Принято файлов: 1 из 5. Пришлите ещё или нажмите «Готово»."
    note_id = turn.ok_calls[-1].result["message_id"]
    for update in rest:
        turn = await replay.send(update)
        assert turn.methods == ["editMessageText"]
        assert turn.ok_calls[0].params["message_id"] == note_id
    assert turn.text.startswith("Принято файлов: 4 из 5.")
    clip = video(user)
    assert (await replay.send(clip)).text.startswith("Принято файлов: 5 из 5.")
    # The 6th file is refused and not stored; an album over the limit is reported once.
    extra = "Можно приложить не больше 5 файлов. Этот файл не сохранён."
    assert (await replay.photo(user)).texts == [extra]
    over = [await replay.send(u) for u in album(user, "alb-2", 2)]
    assert [turn.texts for turn in over] == [[extra], []]

    turn = await replay.press(user, "Готово")
    summary = turn.text
    assert "<b>Фото и видео:</b> 5" in summary
    assert "Течёт кран &lt;b&gt;сильно&lt;/b&gt; &amp; быстро" in summary
    assert f"<b>Адрес:</b> {APARTMENT_RU}" in summary

    # A double tap on Confirm: both taps reach the bot, one request is created.
    message = replay.telegram.last_bot_message(user.id, with_button="✅ Подтвердить")
    assert message is not None
    taps = [user.press(message, "✅ Подтвердить"), user.press(message, "✅ Подтвердить")]
    done = await replay.send(taps[0])
    late = await replay.send(taps[1])
    created = new_requests(replay, seed.NEIGHBOUR.id)
    assert len(created) == 1
    request = created[0]
    assert done.text == (
        f"✅ Заявка № {request.request_number} создана. Мы сообщим, когда её возьмут в работу.\n"
        f"Статус: /request_status {request.request_number}"
    )
    assert "Создать заявку" in done.buttons()  # the main menu is back
    assert alerts(late) == [OUTDATED_RU]
    assert (request.category, request.urgency) == ("plumbing", "high")
    assert (request.address_type, request.address_id) == ("apartment", seed.RESIDENT_APARTMENT)
    assert request.description == "Течёт кран <b>сильно</b> & быстро"
    assert request.media_files == [
        *(photo_file_id(u) for u in [first, *rest]),
        clip["message"]["video"]["file_id"],
    ]
    calls = service_calls(replay, "POST", "/requests/")
    assert [c.idempotency_key for c in calls] == [f"draft:{user.id}-{start_update_id}"]
    assert_every_callback_answered_once(replay)


async def test_a_request_filed_in_uzbek_with_edits_from_the_summary(replay: Replay) -> None:
    user = replay.user(seed.RESIDENT.telegram_id, "Aziz", language_code="uz")
    turn = await replay.text(user, t(ui_texts.BTN_CREATE_REQUEST, "uz"))
    assert t(texts.STEP_CATEGORY, "uz") in turn.texts
    await replay.press(user, "Santexnika")
    turn = await replay.press(user, "Olmazor-1 (butun hovli)")
    assert turn.text.startswith("3-qadam")
    await replay.text(user, "Hammomda quvur oqyapti, tezroq keling")
    await replay.press(user, "Kritik")
    turn = await replay.press(user, "O'tkazib yuborish")
    assert turn.text.startswith("<b>Arizani tekshiring</b>")
    assert "<b>Rasm va video:</b> yo'q" in turn.text

    # Edit → description: the step, then straight back to the summary.
    turn = await replay.press(user, "✏️ O'zgartirish")
    assert turn.text == "Nimani o'zgartirasiz?"
    assert turn.buttons() == [
        "Toifa",
        "Manzil",
        "Tavsif",
        "Shoshilinchlik",
        "Rasm va video",
        "◀️ Orqaga",
    ]
    await replay.press(user, "Tavsif")
    turn = await replay.text(user, "Lift 5-qavatda to'xtab qoldi")
    assert turn.text.startswith("<b>Arizani tekshiring</b>")
    assert "Lift 5-qavatda to'xtab qoldi" in turn.text
    await replay.press(user, "✏️ O'zgartirish")
    await replay.press(user, "Toifa")
    turn = await replay.press(user, "Lift")
    assert "<b>Toifa:</b> Lift" in turn.text
    await replay.press(user, "✏️ O'zgartirish")
    await replay.press(user, "Rasm va video")
    sent = user.send_photo()
    await replay.send(sent)
    turn = await replay.press(user, "Tayyor")
    assert "<b>Rasm va video:</b> 1" in turn.text
    await replay.press(user, "✏️ O'zgartirish")
    assert "Arizani tekshiring" in (await replay.press(user, "◀️ Orqaga")).text

    turn = await replay.press(user, "✅ Tasdiqlash")
    (request,) = new_requests(replay, seed.RESIDENT.id)
    assert turn.text.startswith(f"✅ № {request.request_number} ariza yaratildi.")
    assert t(ui_texts.BTN_CREATE_REQUEST, "uz") in turn.buttons()
    assert (request.category, request.urgency, request.address_type) == (
        "elevator",
        "critical",
        "yard",
    )
    assert request.description == "Lift 5-qavatda to'xtab qoldi"
    assert request.media_files == [photo_file_id(sent)]
    assert_every_callback_answered_once(replay)


async def test_the_summary_can_discard_the_draft(replay: Replay) -> None:
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    await replay.command(user, "create_request")
    await replay.press(user, "Лифт")
    await replay.press(user, "Olmazor-1 (весь двор)")
    await replay.text(user, "Лифт не работает второй день")
    await replay.press(user, "Обычная")
    await replay.press(user, "Пропустить")
    # Text while the summary waits for a button: the summary again, with its buttons.
    turn = await replay.text(user, "ну что там?")
    assert "Проверьте заявку" in turn.text and "✅ Подтвердить" in turn.buttons()
    turn = await replay.press(user, "✖️ Отменить")
    assert turn.text == "Заявка не создана."
    assert "Мои заявки" in turn.buttons()
    # The first summary still shows its buttons; the draft behind them is gone.
    late = await replay.press(user, "✅ Подтвердить")
    assert alerts(late) == [OUTDATED_RU]
    assert new_requests(replay, seed.NEIGHBOUR.id) == []
    assert service_calls(replay, "POST", "/requests/") == []
    assert_every_callback_answered_once(replay)
