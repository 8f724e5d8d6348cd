"""/start and onboarding replayed through the running system: first visit, resident steps
(phone typed or shared, apartment yard → building → apartment), invites, greeting by status,
misbehaving users and a downstream failure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from devkit.fakes.entities import InviteRec
from devkit.fakes.seed import (
    ADMIN,
    BLOCKED,
    NEWCOMER,
    PENDING_EXECUTOR,
    PENDING_RESIDENT,
    PLUMBER,
    RESIDENT,
)
from tests.features.common.support import answered_queries, press_raw, reply_keyboard
from tests.replay_plugin import Replay

TOKEN = "Tok3nForTests_000001"


def add_invite(replay: Replay, token: str, *, role: str = "executor", hours: float = 24) -> None:
    now = replay.services.now()
    replay.services.invites[token] = InviteRec(
        token=token,
        role=role,
        specializations=["plumber"] if role == "executor" else [],
        expires_at=now + dt.timedelta(hours=hours),
        created_by=ADMIN.id,
        created_at=now,
    )


async def test_first_visit_resident_types_phone_and_picks_an_apartment(replay: Replay) -> None:
    user = replay.user(777_101, "Ali")
    turn = await replay.command(user, "start")
    created = replay.services.user_by_telegram(777_101)
    assert created is not None and created.status == "pending"
    keys = [c.idempotency_key for c in replay.services.controls["user"].calls]
    assert "user-create:777101" in keys
    assert turn.text == "Кто вы?" and turn.buttons() == ["Я житель", "Я сотрудник"]
    question_id = turn.ok_calls[-1].result["message_id"]

    turn = await replay.press(user, "Я житель")
    assert reply_keyboard(turn) == [
        ["Отправить мой номер"],
        ["Ввести номер вручную"],
        ["Выбрать квартиру"],
    ]
    assert turn.markup()["keyboard"][0][0]["request_contact"] is True  # type: ignore[index]

    await replay.text(user, "Ввести номер вручную")
    assert "Не похоже" in (await replay.text(user, "+7 999 123")).text
    assert "Введите номер" in (await replay.photo(user)).text  # a photo: prompted again
    turn = await replay.text(user, "(90) 123-45-67")
    assert turn.text.startswith("Номер телефона сохранён: +998901234567")
    assert reply_keyboard(turn) == [["Выбрать квартиру"]]  # only what is left
    assert created.phone == "+998901234567"

    turn = await replay.text(user, "Выбрать квартиру")
    picker_id = turn.ok_calls[-1].result["message_id"]
    assert turn.text == "Выберите двор:"
    await replay.press(user, "Chilonzor-9")
    turn = await replay.press(user, "Bunyodkor shoh ko'chasi 5")
    assert turn.buttons()[:3] == ["1", "2", "3"] and "1 из 3" in turn.buttons()
    turn = await replay.press(user, "▶")
    assert "2 из 3" in turn.buttons() and "9" in turn.buttons()
    turn = await replay.press(user, "Назад")  # back to the yard's buildings
    assert turn.text.startswith("Двор: Chilonzor-9")
    await replay.press(user, "Bunyodkor shoh ko'chasi 5")
    await replay.press(user, "▶")
    turn = await replay.press(user, "12")
    assert turn.text == "Привязать квартиру?\nChilonzor-9, Bunyodkor shoh ko'chasi 5, кв. 12"

    # A double tap on Confirm: two presses of the same button, one link.
    message = replay.telegram.message(user.chat_id, picker_id)
    assert message is not None
    first = user.press(message, "Подтвердить")
    second = user.press(message, "Подтвердить")
    turn = await replay.send(first)
    assert turn.texts[0].startswith("Квартира Chilonzor-9, Bunyodkor shoh ko'chasi 5, кв. 12")
    assert turn.text.startswith("Спасибо! Ваши данные на проверке")
    assert turn.markup() == {"remove_keyboard": True}
    await replay.send(second)
    links = replay.services.links_of(created.id)
    apartments = replay.services.apartments
    assert [(k.status, apartments[k.apartment_id].apartment_number) for k in links] == [
        ("pending", "12")
    ]
    # The answered question and then every picker step edited their own message in place.
    edits = {c.params["message_id"] for c in replay.telegram.calls_to("editMessageText")}
    assert edits == {question_id, picker_id}
    opened, answered = answered_queries(replay, 777_101)
    assert opened == answered == 10

    # /menu afterwards: waiting for approval, the question is not asked again.
    assert "ожидает одобрения" in (await replay.command(user, "menu")).text


async def test_uzbek_user_shares_a_contact_and_misbehaves(replay: Replay) -> None:
    user = replay.user(777_106, "Gulnora", language_code="uz")
    turn = await replay.command(user, "start")
    assert turn.text == "Siz kimsiz?"
    profile = replay.services.user_by_telegram(777_106)
    assert profile is not None and profile.language_code == "uz"
    await replay.press(user, "Men aholiman")
    await replay.text(user, "Raqamni qo'lda kiritish")
    # /start mid-flow: the step is dropped and, nothing done yet, the question comes again.
    turn = await replay.command(user, "start")
    assert turn.text == "Siz kimsiz?"
    assert "Xabarni tushunmadim" in (await replay.text(user, "901234567")).text
    turn = await replay.press(user, "Men aholiman")
    assert "telefon raqamingizni kiriting va xonadoningizni tanlang" in turn.text

    turn = await replay.send(user.share_contact(phone_number="+998 93 000 11 22", own=False))
    assert "O'z raqamingizni" in turn.text
    assert profile.phone is None
    turn = await replay.send(user.share_contact(phone_number="998930001122"))
    assert turn.text.startswith("Telefon raqami saqlandi: +998930001122")
    assert profile.phone == "+998930001122"
    assert reply_keyboard(turn) == [["Xonadonni tanlash"]]

    # An old or tampered picker button: "outdated", answered once.
    prompt = await replay.text(user, "Xonadonni tanlash")
    message = replay.telegram.message(user.chat_id, prompt.ok_calls[-1].result["message_id"])
    assert message is not None
    turn = await press_raw(replay, user, message, "ap:b:999:0:1:1:1:0")
    answers = [c for c in turn.calls if c.method == "answerCallbackQuery"]
    assert [(a.ok, a.params.get("text")) for a in answers] == [(True, "Bu tugma eskirgan.")]


async def test_employee_joins_with_an_invite_code(replay: Replay) -> None:
    add_invite(replay, TOKEN)
    user = replay.user(777_102, "Otabek", language_code="uz")
    await replay.command(user, "start")
    turn = await replay.press(user, "Men xodimman")
    assert "taklif kodini" in turn.text and reply_keyboard(turn) == [["Bekor qilish"]]
    assert "taklif kodiga o'xshamaydi" in (await replay.text(user, "salom")).text
    assert "taklif kodini" in (await replay.photo(user)).text
    turn = await replay.text(user, f"https://t.me/test_bot?start=join_{TOKEN}")
    assert turn.text.startswith("Siz Ijrochi sifatida qo'shildingiz.\nMutaxassisliklar: Santexnika")
    joined = replay.services.user_by_telegram(777_102)
    assert joined is not None and joined.roles == ["executor"] and joined.status == "pending"
    assert replay.services.invites[TOKEN].used_by == joined.id
    assert reply_keyboard(turn) == [["Raqamimni yuborish"], ["Raqamni qo'lda kiritish"]]
    # Tokens never reach the idempotency keys (they may be logged): a hash does.
    keys = [c.idempotency_key or "" for c in replay.services.controls["user"].calls]
    assert not any(TOKEN in key for key in keys) and any(k.startswith("join:") for k in keys)

    leaver = replay.user(777_103, "Leaver")
    await replay.command(leaver, "start")
    await replay.press(leaver, "Я сотрудник")
    turn = await replay.command(leaver, "cancel")
    assert turn.texts[0] == "Действие отменено."
    assert "Не понял" in (await replay.text(leaver, TOKEN)).text  # no longer waiting for it


async def test_deep_link_errors_and_the_attempt_limit(replay: Replay) -> None:
    add_invite(replay, "Expired_token_00001", hours=-1)
    add_invite(replay, "Used_token_00000001")
    replay.services.invites["Used_token_00000001"].used_by = PLUMBER.id
    add_invite(replay, "Manager_token_00001", role="manager")
    user = replay.user(777_104, "Guesser")
    assert "не найдено" in (await replay.command(user, "start", "join_NoSuchToken_000000")).text
    assert "истёк" in (await replay.command(user, "start", "join_Expired_token_00001")).text
    assert (
        "уже использовано" in (await replay.command(user, "start", "join_Used_token_00000001")).text
    )
    assert "не найдено" in (await replay.command(user, "start", "join_bad!")).text
    turn = await replay.command(user, "start", "join_Manager_token_00001")
    # Staff need only the phone: no apartment step.
    assert turn.text == "Вы присоединились как Менеджер.\n\n" + (
        "Чтобы завершить регистрацию, укажите номер телефона."
    )
    turn = await replay.command(user, "start", "join_Manager_token_00001")
    assert turn.text == "Слишком много попыток. Попробуйте снова через 15 мин."

    blocked = replay.user(BLOCKED.telegram_id, "Rustam")
    turn = await replay.command(blocked, "start", f"join_{TOKEN}")
    assert turn.text == "Доступ заблокирован. Обратитесь в управляющую компанию."
    assert turn.markup() == {"remove_keyboard": True}
    writes = [c for c in replay.services.controls["user"].calls if c.method != "GET"]
    assert all(c.body != {"user_id": BLOCKED.id} for c in writes)  # no downstream write


async def test_greeting_by_status(replay: Replay) -> None:
    resident = replay.user(RESIDENT.telegram_id, "Aziz", language_code="uz")
    turn = await replay.command(resident, "start")
    assert turn.text == "Xush kelibsiz, Aziz!" and reply_keyboard(turn)[0][0] == "Ariza yaratish"
    pending = replay.user(PENDING_RESIDENT.telegram_id, "Jasur", language_code="uz")
    turn = await replay.command(pending, "start")
    assert turn.text.startswith("Rahmat! Ma'lumotlaringiz") and turn.markup() == {
        "remove_keyboard": True
    }
    staff = replay.user(PENDING_EXECUTOR.telegram_id, "Otabek", language_code="uz")
    assert (await replay.command(staff, "start")).text.startswith("Rahmat!")
    hacker = replay.user(777_105, "<b>Evil</b> & co")
    turn = await replay.command(hacker, "start")
    assert turn.text == "Кто вы?"  # the name is never echoed unescaped


@pytest.mark.replay(env={"PIPELINE_MAX_ATTEMPTS": "2"})
async def test_downstream_failure_keeps_the_step(replay: Replay) -> None:
    user = replay.user(NEWCOMER.telegram_id, "Gulnora")
    await replay.command(user, "start")
    await replay.press(user, "Я житель")
    await replay.text(user, "Ввести номер вручную")
    replay.services.controls["user"].fail_next(times=2, status=500, method="PUT")
    turn = await replay.text(user, "901234567")
    assert turn.text == "Сервис временно недоступен. Попробуйте через минуту."
    assert replay.services.users[NEWCOMER.id].phone is None
    # Still in the phone step: the same input now goes through.
    turn = await replay.text(user, "901234567")
    assert turn.text.startswith("Номер телефона сохранён: +998901234567")


async def test_transcript_join_by_link(replay: Replay) -> None:
    add_invite(replay, "Transcript_token_0001")
    add_invite(replay, "Transcript_used_00002")
    replay.services.invites["Transcript_used_00002"].used_by = PLUMBER.id
    result = await replay.run(Path(__file__).parent / "onboarding" / "join_by_link.jsonl")
    texts = result.texts(777_201)
    assert texts[0].startswith("Siz Ijrochi sifatida qo'shildingiz.\nMutaxassisliklar: Santexnika")
    assert texts[1] == "Telefon raqamini kiriting, masalan: +998901234567"
    assert texts[2].startswith("Telefon raqamiga o'xshamaydi")
    assert texts[3].startswith("Telefon raqami saqlandi: +998901112233")
    assert "Rahmat! Ma'lumotlaringiz" in texts[3]
    assert "tasdig'ini kutmoqda" in texts[4]
    # Opening one's own link again is the same join (idempotent); a used one is refused.
    assert texts[5].startswith("Siz Ijrochi sifatida qo'shildingiz.")
    assert result.dead_lettered == {}
    assert result.texts(777_202) == ["Это приглашение уже использовано."]
    user = replay.services.user_by_telegram(777_201)
    assert user is not None and user.roles == ["executor"] and user.phone == "+998901112233"


async def test_language_switch_mid_flow_keeps_the_step(replay: Replay) -> None:
    user = replay.user(NEWCOMER.telegram_id, "Gulnora")
    await replay.command(user, "start")
    await replay.press(user, "Я житель")
    await replay.text(user, "Ввести номер вручную")
    await replay.command(user, "language")
    turn = await replay.press(user, "O'zbekcha")
    # The flow's Cancel keyboard comes back in Uzbek (not the main menu): the step goes on.
    assert reply_keyboard(turn) == [["Bekor qilish"]]
    turn = await replay.text(user, "93 000 11 22")
    assert turn.text.startswith("Telefon raqami saqlandi: +998930001122")
    assert replay.services.users[NEWCOMER.id].language_code == "uz"
