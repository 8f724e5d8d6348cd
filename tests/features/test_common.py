"""/help, /menu, /language, /cancel, Switch role, Profile and the maintenance gate, replayed
through the running system (fake Telegram, fake services, real pipeline, Redis and worker)."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis.asyncio import Redis

from devkit.fakes.seed import (
    ADMIN,
    BLOCKED,
    ELECTRICIAN,
    MANAGER,
    MULTI_ROLE,
    NEIGHBOUR,
    NEWCOMER,
    PENDING_RESIDENT,
    PLUMBER,
    RESIDENT,
)
from tests.features.common.support import (
    answered_queries,
    gateway_settings,
    press_raw,
    reply_keyboard,
)
from tests.features.executor.helpers import (
    alerts,
    assert_each_query_answered_once,
    staff,
    toasts,
    tx,
)
from tests.replay_plugin import Replay
from workers.bot.core.gateway_settings import DEFAULT_MAINTENANCE_MESSAGE
from workers.bot.core.texts import ACCESS_BLOCKED, ACCESS_BLOCKED_SUPPORT
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.admin import texts as admin_texts
from workers.bot.features.common.texts import HELP_SUPPORT
from workers.bot.locales import create_i18n

FRESH_SETTINGS = {"WORKER_GATEWAY_SETTINGS_CACHE_SECONDS": "0"}


@pytest.mark.replay(env=FRESH_SETTINGS)
async def test_help_lists_the_commands_of_the_active_role(replay: Replay, redis: Redis) -> None:
    await replay.start()
    store = gateway_settings(replay, redis)
    await store.set("support_contact", "@uk_support <24/7>", actor_user_id=ADMIN.id)

    resident = replay.user(RESIDENT.telegram_id, "Aziz", language_code="uz")
    text = (await replay.command(resident, "help")).text
    assert text.startswith("<b>Buyruqlar</b>") and "/create_request" in text
    assert "/users" not in text and "/settings" not in text
    assert "Yordam: @uk_support &lt;24/7&gt;" in text  # the contact, escaped

    admin = replay.user(ADMIN.telegram_id, "Dilshod")
    text = (await replay.command(admin, "help")).text
    assert "/users — Пользователи" in text and "/settings" in text and "/create_request" not in text
    # The Help button shares the command, in either language.
    assert (await replay.text(admin, "Yordam")).text == text

    newcomer = replay.user(777_001, "Nobody")
    text = (await replay.command(newcomer, "help")).text
    assert "/start" in text and "/language" in text and "/menu" not in text

    blocked = replay.user(BLOCKED.telegram_id, "Rustam")
    text = (await replay.command(blocked, "help")).text
    assert "/help" in text and "/create_request" not in text


async def test_menu_by_role_with_badges(replay: Replay) -> None:
    world = replay.services
    resident = replay.user(RESIDENT.telegram_id, "Aziz", language_code="uz")
    turn = await replay.command(resident, "menu")
    awaiting = sum(
        1
        for r in world.requests.values()
        if r.applicant_user_id == RESIDENT.id and r.status == "confirmed"
    )
    assert reply_keyboard(turn) == [
        ["Ariza yaratish", "Mening arizalarim"],
        [f"Qabul qilish ({awaiting})", "Profil"],
        ["Til", "Yordam"],
    ]

    plumber = replay.user(PLUMBER.telegram_id, "Bekzod", language_code="uz")
    flat = [b for row in reply_keyboard(await replay.command(plumber, "menu")) for b in row]
    assert "Smenani yakunlash" in flat and "Smenani boshlash" not in flat  # on shift now
    electrician = replay.user(ELECTRICIAN.telegram_id, "Sardor")
    flat = [b for row in reply_keyboard(await replay.command(electrician, "menu")) for b in row]
    assert "Начать смену" in flat and "Завершить смену" not in flat

    pending = sum(1 for u in world.users.values() if u.status == "pending")
    manager = replay.user(MANAGER.telegram_id, "Nodira")
    turn = await replay.command(manager, "menu")
    assert turn.text == "Главное меню · Менеджер"
    assert reply_keyboard(turn) == [
        ["Заявки", f"Пользователи ({pending})"],
        ["Аналитика", "График"],
        ["Рассылка", "Помощь"],
    ]
    admin = replay.user(ADMIN.telegram_id, "Dilshod")
    flat = [b for row in reply_keyboard(await replay.command(admin, "menu")) for b in row]
    assert "Настройки" in flat and "Сменить роль" not in flat

    # Pending: "awaiting approval", no keyboard, never the resident/employee question again.
    waiting = replay.user(PENDING_RESIDENT.telegram_id, "Jasur", language_code="uz")
    turn = await replay.command(waiting, "menu")
    assert "tasdig'ini kutmoqda" in turn.text and "Siz kimsiz" not in turn.text
    assert turn.markup() == {"remove_keyboard": True}
    blocked = replay.user(BLOCKED.telegram_id, "Rustam")
    assert (await replay.command(blocked, "menu")).text == (
        "Доступ заблокирован. Обратитесь в управляющую компанию."
    )
    stranger = replay.user(777_002, "Stranger")
    assert "/start" in (await replay.command(stranger, "menu")).text


async def test_language_switch_takes_effect_at_once(replay: Replay) -> None:
    user = replay.user(NEIGHBOUR.telegram_id, "Malika")
    prompt = await replay.command(user, "language")
    assert prompt.text == "Выберите язык:" and prompt.buttons() == ["Русский", "O'zbekcha"]
    prompt_id = prompt.ok_calls[-1].result["message_id"]

    turn = await replay.press(user, "O'zbekcha")
    edits = [c for c in turn.ok_calls if c.method == "editMessageText"]
    assert [c.params["message_id"] for c in edits] == [prompt_id]  # the same message, edited
    assert edits[0].params["text"] == "Til o'zgartirildi: o'zbekcha."
    assert turn.text == "Asosiy menyu · Ariza beruvchi"
    assert reply_keyboard(turn)[0] == ["Ariza yaratish", "Mening arizalarim"]
    assert replay.services.users[NEIGHBOUR.id].language_code == "uz"

    # The very next reply is Uzbek, and an old Russian keyboard's button still works.
    assert (await replay.text(user, "Помощь")).text.startswith("<b>Buyruqlar</b>")
    await replay.command(user, "language")
    turn = await replay.press(user, "Русский")
    assert turn.texts[0] == "Язык изменён: русский."
    assert (await replay.command(user, "help")).text.startswith("<b>Команды</b>")
    assert replay.services.users[NEIGHBOUR.id].language_code == "ru"
    assert answered_queries(replay, NEIGHBOUR.telegram_id) == (2, 2)


async def test_cancel_from_a_flow_and_when_idle(replay: Replay) -> None:
    idle = replay.user(NEIGHBOUR.telegram_id, "Malika")
    turn = await replay.command(idle, "cancel")
    assert turn.text == "Нечего отменять."
    assert reply_keyboard(turn)[0] == ["Создать заявку", "Мои заявки"]

    user = replay.user(NEWCOMER.telegram_id, "Gulnora")
    await replay.command(user, "start")
    await replay.press(user, "Я житель")
    turn = await replay.text(user, "Ввести номер вручную")
    assert reply_keyboard(turn) == [["Отмена"]]
    turn = await replay.text(user, "Отмена")  # the button: never taken as the phone
    assert turn.texts[0] == "Действие отменено."
    assert "укажите номер телефона" in turn.text  # the onboarding keyboard comes back
    assert ["Ввести номер вручную"] in reply_keyboard(turn)
    turn = await replay.text(user, "901234567")  # no longer in the phone step
    assert "Не понял" in turn.text
    assert replay.services.users[NEWCOMER.id].phone is None

    uz = replay.user(PENDING_RESIDENT.telegram_id, "Jasur", language_code="uz")
    assert (await replay.text(uz, "Bekor qilish")).texts[0] == "Bekor qiladigan narsa yo'q."


async def test_switch_role_and_profile(replay: Replay) -> None:
    user = replay.user(MULTI_ROLE.telegram_id, "Shahzoda")
    turn = await replay.command(user, "menu")
    assert reply_keyboard(turn)[-1] == ["Сменить роль"]
    turn = await replay.text(user, "Сменить роль")
    assert turn.text == "Активная роль: Исполнитель"
    assert reply_keyboard(turn)[0] == ["Активные заявки", "Общие заявки"]
    assert replay.services.users[MULTI_ROLE.id].active_role == "executor"
    turn = await replay.text(user, "Rolni almashtirish")  # the Uzbek button works too
    assert turn.text == "Активная роль: Заявитель"
    assert replay.services.users[MULTI_ROLE.id].active_role == "applicant"

    single = replay.user(RESIDENT.telegram_id, "Aziz", language_code="uz")
    assert "bitta rol" in (await replay.text(single, "Rolni almashtirish")).text

    profile = (await replay.text(single, "Profil")).text
    assert profile.startswith("<b>Profil</b>") and "+998900100005" in profile
    assert "Holat: Tasdiqlangan" in profile and "Olmazor-1" in profile


@pytest.mark.replay(env=FRESH_SETTINGS)
async def test_maintenance_gate(replay: Replay, redis: Redis) -> None:
    await replay.start()
    store = gateway_settings(replay, redis)
    neighbour = replay.user(NEIGHBOUR.telegram_id, "Malika")
    await replay.command(neighbour, "language")  # a button from before the maintenance
    await store.set("maintenance_mode", True, actor_user_id=ADMIN.id)
    await store.set("maintenance_message_ru", "Работы <до 18:00>", actor_user_id=ADMIN.id)
    request_calls = len(replay.services.controls["request"].calls)

    turn = await replay.command(neighbour, "create_request")
    assert turn.texts == ["Работы &lt;до 18:00&gt;"]
    turn = await replay.press(neighbour, "O'zbekcha")
    answers = [c for c in turn.ok_calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 1 and answers[0].params["show_alert"] is True
    assert answers[0].params["text"] == "Работы <до 18:00>"
    assert replay.services.users[NEIGHBOUR.id].language_code == "ru"  # nothing written
    resident = replay.user(RESIDENT.telegram_id, "Aziz", language_code="uz")
    turn = await replay.command(resident, "start")
    # No Uzbek text was set: the built-in one, in Uzbek.
    assert turn.texts == [create_i18n().gettext(DEFAULT_MAINTENANCE_MESSAGE, locale="uz")]
    assert len(replay.services.controls["request"].calls) == request_calls

    admin = replay.user(ADMIN.telegram_id, "Dilshod")
    assert "/settings" in (await replay.command(admin, "help")).text
    # Managers keep working too.
    manager = replay.user(MANAGER.telegram_id, "Nodira")
    assert "/users" in (await replay.command(manager, "help")).text
    # The support contact, when set, follows the maintenance text (escaped like it).
    await store.set("support_contact", "@support <24/7>", actor_user_id=ADMIN.id)
    turn = await replay.command(neighbour, "menu")
    assert turn.texts == ["Работы &lt;до 18:00&gt;\nПоддержка: @support &lt;24/7&gt;"]
    turn = await replay.command(resident, "help")
    assert turn.texts[0].endswith("Yordam: @support &lt;24/7&gt;")

    await store.set("maintenance_mode", False, actor_user_id=ADMIN.id)
    assert (await replay.command(neighbour, "help")).text.startswith("<b>Команды</b>")


@pytest.mark.replay(env=FRESH_SETTINGS)
@pytest.mark.parametrize("language", ["ru", "uz"])
async def test_blocked_users_are_told_whom_to_contact_and_lose_the_menu(
    replay: Replay, redis: Redis, language: str
) -> None:
    await replay.start()
    store = gateway_settings(replay, redis)
    replay.services.users[BLOCKED.id].language_code = language
    blocked = replay.user(BLOCKED.telegram_id, "Rustam", language_code=language)
    i18n = create_i18n()
    bare = i18n.gettext(ACCESS_BLOCKED, locale=language)
    # Without a support contact: the notice alone, and the old menu taken off the screen.
    turn = await replay.command(blocked, "start")
    assert turn.texts == [bare] and turn.markup() == {"remove_keyboard": True}

    await store.set("support_contact", "@uk_support <24/7>", actor_user_id=ADMIN.id)
    with_support = i18n.gettext(ACCESS_BLOCKED_SUPPORT, locale=language).format(
        support="@uk_support &lt;24/7&gt;"
    )
    # A menu button from an old keyboard, a command, /start, /cancel, plain text: each gets the
    # notice naming the contact (escaped), with the reply keyboard removed.
    old_button = "Мои заявки" if language == "ru" else "Mening arizalarim"
    for send in (
        replay.text(blocked, old_button),
        replay.command(blocked, "my_requests"),
        replay.command(blocked, "start"),
        replay.command(blocked, "cancel"),
        replay.text(blocked, "hello"),
    ):
        turn = await send
        assert turn.texts == [with_support]
        assert turn.markup() == {"remove_keyboard": True}
    # A button press: the same notice as the alert (plain text, the contact as written).
    message = replay.telegram.bot_messages(blocked.chat_id)[-1]
    turn = await press_raw(replay, blocked, message, "gs:mon")
    answers = [c.params for c in turn.ok_calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 1 and answers[0]["show_alert"] is True
    assert answers[0]["text"] == with_support.replace("&lt;", "<").replace("&gt;", ">")
    # /help stays open to them.
    assert "/help" in (await replay.command(blocked, "help")).text


def _service_calls(replay: Replay) -> int:
    return sum(len(c.calls) for c in replay.services.controls.values())


@pytest.mark.replay(env=FRESH_SETTINGS)
@pytest.mark.parametrize("language", ["ru", "uz"])
async def test_maintenance_is_confirmed_spares_staff_and_reads_nobodys_profile(
    replay: Replay, redis: Redis, language: str
) -> None:
    await replay.start()
    store = gateway_settings(replay, redis)
    i18n = create_i18n()
    admin = staff(replay, ADMIN, language, "Dilshod")
    await replay.command(admin, "settings")
    # One tap does not lock everyone out: it shows what they would see, and asks.
    turn = await replay.press(admin, tx(admin_texts.BTN_MAINTENANCE_ON, language))
    assert turn.text.startswith(tx(admin_texts.MAINTENANCE_CONFIRM, language).split("\n")[0])
    assert tx(DEFAULT_MAINTENANCE_MESSAGE, language) in turn.text
    assert turn.buttons() == [
        tx(admin_texts.BTN_MAINTENANCE_CONFIRM, language),
        tx(admin_texts.BTN_BACK, language),
    ]
    assert (await store.get()).maintenance_mode is False
    turn = await replay.press(admin, tx(admin_texts.BTN_BACK, language))
    assert tx(admin_texts.BTN_MAINTENANCE_ON, language) in turn.buttons()
    assert (await store.get()).maintenance_mode is False
    await replay.press(admin, tx(admin_texts.BTN_MAINTENANCE_ON, language))
    turn = await replay.press(admin, tx(admin_texts.BTN_MAINTENANCE_CONFIRM, language))
    assert toasts(turn) == [tx(admin_texts.SAVED, language)]
    assert (await store.get()).maintenance_mode is True
    assert tx(admin_texts.BTN_MAINTENANCE_OFF, language) in turn.buttons()
    await store.set("support_contact", "@uk_support", actor_user_id=ADMIN.id)

    # Nobody's profile is cached now (the manager has not written to the bot at all).
    prefix = replay.settings.redis.key_prefix
    await redis.delete(*(f"{prefix}:profile:{p.telegram_id}" for p in (RESIDENT, PLUMBER, MANAGER)))
    notice = (
        i18n.gettext(DEFAULT_MAINTENANCE_MESSAGE, locale=language)
        + "\n"
        + i18n.gettext(HELP_SUPPORT, locale=language).format(support="@uk_support")
    )
    before = _service_calls(replay)
    resident = replay.user(RESIDENT.telegram_id, "Aziz", language_code=language)
    plumber = replay.user(PLUMBER.telegram_id, "Bekzod", language_code=language)
    stranger = replay.user(777_801, "Stranger", language_code=language)
    for turn in (
        await replay.command(resident, "my_requests"),
        await replay.text(resident, tx(ui_texts.BTN_CREATE_REQUEST, language)),
        await replay.text(plumber, tx(ui_texts.BTN_ACTIVE_REQUESTS, language)),
        await replay.command(stranger, "start"),
    ):
        assert turn.texts == [notice]
    message = replay.telegram.bot_messages(resident.chat_id)[-1]
    turn = await press_raw(
        replay, resident, message, f"rq:v:{replay.services.seed_requests['new']}"
    )
    assert alerts(turn) == [notice]
    # Not one service call for any of them: no profile read, no token, no request.
    assert _service_calls(replay) == before

    # Staff keep working: the manager is on the roster the confirmation built from U5.
    manager = replay.user(MANAGER.telegram_id, "Nodira", language_code=language)
    assert "/users" in (await replay.command(manager, "help")).text
    turn = await replay.text(manager, tx(ui_texts.BTN_USERS, language))
    assert turn.texts and turn.texts[0] != notice
    assert_each_query_answered_once(replay)


async def test_fallback_answers_what_nobody_handled(replay: Replay) -> None:
    user = replay.user(RESIDENT.telegram_id, "Aziz", language_code="uz")
    assert "Xabarni tushunmadim" in (await replay.text(user, "salom bot")).text
    assert "Bunday buyruq yo'q" in (await replay.command(user, "nonsense")).text
    assert "Xabarni tushunmadim" in (await replay.photo(user)).text

    # A button whose data no feature knows (an old build's, or tampered): "outdated", once.
    prompt = await replay.command(user, "language")
    message = replay.telegram.message(user.chat_id, prompt.ok_calls[-1].result["message_id"])
    assert message is not None
    turn = await press_raw(replay, user, message, "zz:gone:1")
    answers = [c for c in turn.calls if c.method == "answerCallbackQuery"]
    assert len(answers) == 1 and answers[0].ok
    assert answers[0].params == {
        "callback_query_id": answers[0].params["callback_query_id"],
        "text": "Bu tugma eskirgan.",
        "show_alert": True,
    }

    blocked = replay.user(BLOCKED.telegram_id, "Rustam")
    assert "заблокирован" in (await replay.text(blocked, "hello")).text
    stranger = replay.user(777_003, "Stranger")
    assert "/start" in (await replay.text(stranger, "hello")).text


async def test_transcript_help_menu_cancel(replay: Replay) -> None:
    result = await replay.run(Path(__file__).parent / "common" / "help_menu_cancel.jsonl")
    assert result.dead_lettered == {}
    resident = result.texts(RESIDENT.telegram_id)
    assert resident[0].startswith("<b>Buyruqlar</b>") and resident[1] == resident[0]
    assert resident[2] == "Asosiy menyu · Ariza beruvchi"
    assert result.texts(MANAGER.telegram_id) == ["Главное меню · Менеджер", "Нечего отменять."]
    assert "tasdig'ini kutmoqda" in result.texts(PENDING_RESIDENT.telegram_id)[0]
    assert result.texts(BLOCKED.telegram_id) == [
        "Доступ заблокирован. Обратитесь в управляющую компанию."
    ]
    admin = result.texts(ADMIN.telegram_id)
    assert admin[0] == "Такой команды нет. Список команд: /help" and "/settings" in admin[1]
    guest = result.texts(777_301)
    assert len(guest) == 1 and "/start" in guest[0] and "/create_request" not in guest[0]
