"""/users through the running system: pending first, approve (links, then the user), reject a
link, block/unblock after a confirm, roles and specializations, search and filters kept in the
buttons, invites, and who may not use it."""

from __future__ import annotations

import re

import pytest

from devkit.fakes.seed import (
    ADMIN,
    MANAGER,
    PENDING_EXECUTOR,
    PENDING_RESIDENT,
    PLUMBER,
    RESIDENT,
)
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
from workers.bot.core.ui import role_label, specialization_label, user_status_label
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.admin import texts


@pytest.mark.parametrize("language", LANGUAGES)
async def test_pending_first_then_approve_a_resident(replay: Replay, language: str) -> None:
    world = replay.services
    user = staff(replay, MANAGER, language, "Nodira")
    turn = await replay.command(user, "users")
    pending = [u for u in world.users.values() if u.status == "pending"]
    filters = f"{user_status_label('pending', language)}, {tx(texts.ALL_ROLES, language)}"
    assert turn.text.splitlines()[0] == tx(
        texts.USERS_TITLE, language, filters=filters, total=len(pending)
    )
    assert turn.buttons()[:3] == ["Jasur Aliyev", "Otabek Nazarov", "Gulnora"]  # oldest first
    # The menu button shares the command (with its badge).
    badge = await replay.text(user, f"{tx(ui_texts.BTN_USERS, language)} ({len(pending)})")
    assert badge.text == turn.text

    card = await replay.press(user, "Jasur Aliyev")
    assert "+99890" in card.text and "@jasur_a" in card.text
    assert tx(ui_texts.LINK_PENDING, language) in card.text
    assert tx(ui_texts.LINK_REJECTED, language) in card.text
    turn = await replay.press(user, tx(texts.BTN_APPROVE, language))
    assert toasts(turn) == [tx(texts.USER_APPROVED, language)]
    assert world.users[PENDING_RESIDENT.id].status == "approved"
    assert world.links[(PENDING_RESIDENT.id, 207)].status == "approved"
    assert world.links[(PENDING_RESIDENT.id, 110)].status == "rejected"  # left as it was
    user_calls = [
        (c.method, c.path)
        for c in world.controls["user"].calls
        if c.method == "PATCH" and f"/users/{PENDING_RESIDENT.id}/" in c.path
    ]
    assert user_calls == [
        ("PATCH", f"/api/v1/users/{PENDING_RESIDENT.id}/apartments/207"),
        ("PATCH", f"/api/v1/users/{PENDING_RESIDENT.id}/status"),
    ]
    assert tx(texts.BTN_APPROVE, language) not in turn.buttons()
    assert_each_query_answered_once(replay)


async def test_reject_a_link_then_block_and_unblock_with_confirm(replay: Replay) -> None:
    world = replay.services
    user = staff(replay, ADMIN, "ru", "Dilshod")
    await replay.command(user, "users")
    await replay.press(user, "Jasur Aliyev")
    turn = await replay.press(user, "Отклонить кв. 7")
    assert toasts(turn) == ["Квартира отклонена."]
    assert world.links[(PENDING_RESIDENT.id, 207)].status == "rejected"
    assert world.users[PENDING_RESIDENT.id].status == "pending"

    ask = await replay.press(user, "Заблокировать")
    assert ask.text == tx(texts.ASK_BLOCK, "ru", name="Jasur Aliyev")
    back = await replay.press(user, "Нет")
    assert "Jasur Aliyev" in back.text and world.users[PENDING_RESIDENT.id].status == "pending"
    jasur = staff(replay, PENDING_RESIDENT, "ru", "Jasur")
    before = await replay.command(jasur, "menu")  # his profile is now cached by the workers
    assert tx(runtime_texts.ACCESS_BLOCKED, "ru") not in before.texts
    await replay.press(user, "Заблокировать")
    turn = await replay.press(user, "Да")
    assert toasts(turn) == ["Пользователь заблокирован."]
    assert world.users[PENDING_RESIDENT.id].status == "blocked"
    # The change reaches him at once, not after the profile cache expires.
    after = await replay.command(jasur, "menu")
    assert after.texts == [tx(runtime_texts.ACCESS_BLOCKED, "ru")]
    await replay.press(user, "Разблокировать")
    turn = await replay.press(user, "Да")
    assert toasts(turn) == ["Пользователь разблокирован."]
    assert world.users[PENDING_RESIDENT.id].status == "approved"

    # Nobody may block themselves: the service refuses, the alert says so.
    await replay.press(user, "« К списку")
    await replay.press(user, "Одобренные")
    await replay.press(user, "Администратор")
    await replay.press(user, "Dilshod Karimov")
    await replay.press(user, "Заблокировать")
    turn = await replay.press(user, "Да")
    assert alerts(turn) == [tx(ui_texts.ERR_FORBIDDEN, "ru")]
    assert world.users[ADMIN.id].status == "approved"
    assert_each_query_answered_once(replay)


async def test_roles_and_specializations_toggles(replay: Replay) -> None:
    world = replay.services
    manager = staff(replay, MANAGER, "uz", "Nodira")
    await replay.command(manager, "users")
    await replay.press(manager, "Otabek Nazarov")
    turn = await replay.press(manager, tx(texts.BTN_ROLES, "uz"))
    labels = [role_label(r, "uz") for r in ("applicant", "executor")]
    assert turn.buttons()[:2] == [f"▫️ {labels[0]}", f"✅ {labels[1]}"]
    assert all(role_label("manager", "uz") not in b for b in turn.buttons())  # admins only
    await replay.press(manager, f"▫️ {labels[0]}")
    turn = await replay.press(manager, tx(texts.BTN_SAVE, "uz"))
    assert toasts(turn) == [tx(texts.SAVED, "uz")]
    assert world.users[PENDING_EXECUTOR.id].roles == ["applicant", "executor"]

    await replay.press(manager, tx(texts.BTN_SPECIALIZATIONS, "uz"))
    await replay.press(manager, f"▫️ {specialization_label('plumber', 'uz')}")
    await replay.press(manager, tx(texts.BTN_SAVE, "uz"))
    assert sorted(world.users[PENDING_EXECUTOR.id].specializations) == ["elevator", "plumber"]
    [call] = service_calls(replay, "user", "PUT", f"/users/{PENDING_EXECUTOR.id}/specializations$")
    assert call.body["actor_user_id"] == MANAGER.id

    # Every role off: refused before any call.
    await replay.press(manager, tx(texts.BTN_ROLES, "uz"))
    await replay.press(manager, f"✅ {labels[0]}")
    await replay.press(manager, f"✅ {labels[1]}")
    turn = await replay.press(manager, tx(texts.BTN_SAVE, "uz"))
    assert alerts(turn) == [tx(texts.ROLES_REQUIRED, "uz")]
    assert len(service_calls(replay, "user", "PUT", "/roles$")) == 1

    admin = staff(replay, ADMIN, "ru", "Dilshod")
    await replay.command(admin, "users")
    await replay.press(admin, "Otabek Nazarov")
    turn = await replay.press(admin, "Роли")
    assert "▫️ Менеджер" in turn.buttons() and "▫️ Администратор" in turn.buttons()
    assert_each_query_answered_once(replay)


async def test_search_and_filters_stay_with_the_list(replay: Replay) -> None:
    world = replay.services
    user = staff(replay, ADMIN, "ru", "Dilshod")
    await replay.command(user, "users")
    everyone = await replay.press(user, "Все")
    assert f"(всего: {len(world.users)})" in everyone.text
    assert everyone.methods == ["answerCallbackQuery", "editMessageText"]
    second = await replay.press(user, "▶")
    assert "2 из" in " ".join(second.buttons())
    executors = await replay.press(user, "Исполнитель")
    count = sum(1 for u in world.users.values() if "executor" in u.roles)
    assert f"(всего: {count})" in executors.text

    prompt = await replay.press(user, "Поиск")
    assert reply_keyboard(prompt) == [["Отмена"]]
    assert (await replay.photo(user)).text == tx(texts.TEXT_EXPECTED, "ru")
    too_long = await replay.text(user, "x" * 65)
    assert too_long.text == tx(texts.TEXT_TOO_LONG, "ru", length=65, limit=64)
    turn = await replay.text(user, "bekzod <b>")
    assert turn.texts[0] == "Поиск: «bekzod &lt;b&gt;»"
    assert "Никого не найдено" in turn.texts[1]
    turn = await replay.text(user, "Пользователи")
    await replay.press(user, "Поиск")
    turn = await replay.text(user, "bekzod")
    assert turn.buttons()[0] == "Bekzod Tursunov" and "Sardor Rakhimov" not in turn.buttons()
    # A filter on the found list keeps the search (its text is in the keyboard cache).
    turn = await replay.press(user, "Одобренные")
    assert turn.buttons()[0] == "Bekzod Tursunov" and "поиск «bekzod»" in turn.text
    # A search key that is not (or no longer) in the cache: outdated, the list without it.
    message = replay.telegram.bot_messages(user.chat_id)[-1]
    turn = await press_raw(replay, user, message, "usl:a.-.1.NoSuchKey123")
    assert alerts(turn) == [tx(ui_texts.OUTDATED, "ru")]
    assert "поиск" not in turn.text
    assert_each_query_answered_once(replay)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_create_an_executor_invite(replay: Replay, language: str) -> None:
    world = replay.services
    user = staff(replay, MANAGER, language, "Nodira")
    await replay.command(user, "users")
    turn = await replay.press(user, tx(texts.BTN_INVITE, language))
    assert role_label("manager", language) not in turn.buttons()  # a manager invites no manager
    await replay.press(user, role_label("executor", language))
    turn = await replay.press(user, tx(texts.BTN_NEXT, language))
    assert alerts(turn) == [tx(ui_texts.ERR_SPECIALIZATION_REQUIRED, language)]
    await replay.press(user, f"▫️ {specialization_label('elevator', language)}")
    await replay.press(user, tx(texts.BTN_NEXT, language))
    turn = await replay.press(user, tx(texts.BTN_HOURS_72, language))
    [invite] = world.invites.values()
    assert (invite.role, invite.specializations, invite.created_by) == (
        "executor",
        ["elevator"],
        MANAGER.id,
    )
    username = replay.telegram.bot_user()["username"]
    link = f"https://t.me/{username}?start=join_{invite.token}"
    assert link in turn.text
    assert re.fullmatch(r"[A-Za-z0-9_-]{16,59}", invite.token)
    hours = (invite.expires_at - invite.created_at).total_seconds() / 3600
    assert round(hours) == 72
    assert_each_query_answered_once(replay)


async def test_users_is_refused_for_residents_and_executors(replay: Replay) -> None:
    resident = staff(replay, RESIDENT, "uz", "Aziz")
    assert (await replay.command(resident, "users")).texts == [tx(runtime_texts.ROLE_REFUSED, "uz")]
    plumber = staff(replay, PLUMBER, "ru", "Bekzod")
    assert (await replay.text(plumber, "Пользователи")).texts == [
        tx(runtime_texts.ROLE_REFUSED, "ru")
    ]
    message = replay.telegram.bot_messages(plumber.chat_id)[-1]
    turn = await press_raw(replay, plumber, message, f"usa:{RESIDENT.id}:bly:p.-.1.")
    assert alerts(turn) == [tx(runtime_texts.ROLE_REFUSED, "ru")]
    assert replay.services.users[RESIDENT.id].status == "approved"
    assert service_calls(replay, "user", "PATCH", "/status$") == []
    assert_each_query_answered_once(replay)
