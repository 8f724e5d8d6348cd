"""Managers hear of users waiting for their approval (domain.md §5, Manager), though no service
event reports it: the bot makes the change (onboarding) and writes a gateway event into the
pipeline, which fans it out like a service event. Through the real system: onboarding updates
into the real worker, the notice in each manager's chat lane, the managers' own languages."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import httpx
import pytest

from devkit.fakes.seed import (
    ADMIN,
    MANAGER,
    NEWCOMER,
    PENDING_EXECUTOR,
    PENDING_RESIDENT,
    RESIDENT,
    SeedUser,
)
from devkit.fakes.state import TASHKENT
from tests.notifications.support import buttons, plain, speak, texts_in
from tests.replay_plugin import Replay
from workers.bot.core.onboarding import BTN_SELECT_APARTMENT
from workers.bot.core.ui import role_label
from workers.bot.features.admin import texts as admin_texts
from workers.bot.features.admin.keyboards import UserCardCB, UsersCB
from workers.bot.features.onboarding import texts as onboarding_texts
from workers.bot.notifications import texts

pytestmark = pytest.mark.replay(events=True)
LANGUAGES = ("ru", "uz")


def _address(language: str, number: str) -> str:
    flat = "кв." if language == "ru" else "xonadon"
    return f"Chilonzor-9, Bunyodkor shoh ko'chasi 5, {flat} {number}"


def _user_notice(language: str, name: str, phone: str, address: str) -> str:
    return "\n".join(
        [
            plain(texts.USER_PENDING, language, name=name),
            plain(texts.PHONE_LINE, language, phone=phone),
            plain(texts.ADDRESS_LINE, language, address=address),
        ]
    )


async def _pick_apartment(replay: Replay, person: SeedUser, language: str, number: str) -> None:
    """The apartment picker from "Select apartment" up to the confirmation question."""
    user = replay.user(person.telegram_id, "Test", language)
    await replay.text(user, plain(BTN_SELECT_APARTMENT, language))
    await replay.press(user, "Chilonzor-9")
    await replay.press(user, "Bunyodkor shoh ko'chasi 5")
    await replay.press(user, number)


async def _clock(replay: Replay, body: dict[str, Any]) -> None:
    """The fakes' clock control, as a test or a person in ``bot-gateway dev`` moves it."""
    harness = await replay.start()
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{harness.service_urls['user']}/__fake__/clock", json=body)
    assert response.status_code == 200, response.text


async def test_a_newcomer_finishing_onboarding_is_announced_once_to_each_manager(
    replay: Replay,
) -> None:
    speak(replay, "ru", MANAGER)
    speak(replay, "uz", ADMIN)
    user = replay.user(NEWCOMER.telegram_id, "Gulnora")
    await replay.command(user, "start")
    await replay.press(user, "Я житель")
    await replay.text(user, "Ввести номер вручную")
    turn = await replay.text(user, "(90) 123-45-67")
    assert turn.text.startswith("Номер телефона сохранён")
    await replay.settle()
    # The phone alone does not complete a resident: nobody is told yet.
    assert texts_in(replay, MANAGER.telegram_id) == texts_in(replay, ADMIN.telegram_id) == []

    await _pick_apartment(replay, NEWCOMER, "ru", "3")
    turn = await replay.press(user, plain(onboarding_texts.BTN_CONFIRM, "ru"))
    assert turn.text.startswith("Спасибо! Ваши данные на проверке")
    await replay.settle()
    for manager, language in ((MANAGER, "ru"), (ADMIN, "uz")):
        (notice,) = texts_in(replay, manager.telegram_id)
        assert notice == _user_notice(language, "Gulnora", "+998901234567", _address(language, "3"))
        message = replay.telegram.bot_messages(manager.telegram_id)[-1]
        assert buttons(message) == [
            (plain(texts.BTN_USER, language), UserCardCB(user_id=NEWCOMER.id).pack())
        ]

    # The button opens the user's card in /users, with Approve; approving tells the user and
    # nobody hears of the user a second time (user.status_changed goes to the user only).
    manager_chat = replay.user(MANAGER.telegram_id, "Test", "ru")
    turn = await replay.press(manager_chat, plain(texts.BTN_USER, "ru"))
    assert turn.text.startswith("<b>Gulnora</b>\n")
    assert plain(admin_texts.BTN_APPROVE, "ru") in turn.buttons()
    await replay.press(manager_chat, plain(admin_texts.BTN_APPROVE, "ru"))
    await replay.settle()
    assert replay.services.users[NEWCOMER.id].status == "approved"
    assert len(texts_in(replay, ADMIN.telegram_id)) == 1
    sent = [
        c
        for c in replay.telegram.calls_to("sendMessage", chat_id=MANAGER.telegram_id)
        if c.ok and "Gulnora" in str(c.params.get("text"))
    ]
    assert len(sent) == 1  # the notice (since edited into the card), never a second one


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_approved_resident_s_new_apartment_link_is_announced_once_after_a_retry(
    replay: Replay, language: str
) -> None:
    # The confirmation's answer fails once: the update is retried, the link is asked for again
    # (same idempotency key, same link) and the gateway event is written again (same id).
    replay.configure(env={"TELEGRAM_API_RETRIES": "0"})
    speak(replay, language, RESIDENT, MANAGER, ADMIN)
    await _pick_apartment(replay, RESIDENT, language, "4")
    replay.telegram.fail_next(1, 500, "Internal Server Error", method="editMessageText")
    resident = replay.user(RESIDENT.telegram_id, "Test", language)
    await replay.send(resident.press_button(plain(onboarding_texts.BTN_CONFIRM, language)))
    await replay.settle()
    edits = replay.telegram.calls_to("editMessageText", chat_id=RESIDENT.telegram_id)
    assert [c.status for c in edits[-2:]] == [500, 200]  # answered on the second attempt

    world = replay.services
    name = " ".join(
        p for p in (world.users[RESIDENT.id].first_name, world.users[RESIDENT.id].last_name) if p
    )
    for manager in (MANAGER, ADMIN):
        (notice,) = texts_in(replay, manager.telegram_id)
        assert notice == "\n".join(
            [
                plain(texts.APARTMENT_PENDING, language, name=name),
                plain(texts.ADDRESS_LINE, language, address=_address(language, "4")),
            ]
        )
        assert buttons(replay.telegram.bot_messages(manager.telegram_id)[-1]) == [
            (plain(texts.BTN_USER, language), UserCardCB(user_id=RESIDENT.id).pack())
        ]


async def test_quiet_hours_follow_the_fakes_clock_and_fold_the_waiting_users(
    replay: Replay,
) -> None:
    """The fakes' clock (``POST /__fake__/clock``) is the gateway's clock too (``CLOCK_URL``):
    at 23:00 Tashkent time (default quiet hours 22:00–08:00) the notices wait; when the clock
    reaches the morning the worker's own release job sends them, folded into one message."""
    speak(replay, "ru", MANAGER)
    speak(replay, "uz", ADMIN, PENDING_RESIDENT, PENDING_EXECUTOR)
    await replay.start()
    today = dt.datetime.now(TASHKENT).date()
    night = dt.datetime.combine(today, dt.time(23, 0), TASHKENT)
    await _clock(replay, {"now": night.isoformat()})

    # Both already have everything but the phone is shared again: their profile is complete.
    for person in (PENDING_RESIDENT, PENDING_EXECUTOR):
        user = replay.user(person.telegram_id, "Test", "uz")
        await replay.send(user.share_contact(phone_number=f"+99890{person.telegram_id:07d}"))
    await replay.settle()
    assert texts_in(replay, MANAGER.telegram_id) == texts_in(replay, ADMIN.telegram_id) == []

    await _clock(replay, {"now": (night + dt.timedelta(hours=9, minutes=30)).isoformat()})
    deadline = time.monotonic() + 20
    while not (texts_in(replay, MANAGER.telegram_id) and texts_in(replay, ADMIN.telegram_id)):
        assert time.monotonic() < deadline, "the held notices were not released in the morning"
        await replay.settle()
    await replay.settle()
    world = replay.services
    for manager, language in ((MANAGER, "ru"), (ADMIN, "uz")):
        (digest,) = texts_in(replay, manager.telegram_id)
        head = plain(texts.PENDING_DIGEST, language, count=2, lines="").strip()
        assert digest.startswith(head)
        resident = world.users[PENDING_RESIDENT.id]
        assert f"{resident.first_name} {resident.last_name} · " in digest
        assert "Otabek Nazarov" in digest
        assert buttons(replay.telegram.bot_messages(manager.telegram_id)[-1]) == [
            (plain(texts.BTN_PENDING, language), UsersCB().pack())
        ]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_pending_executor_s_notice_names_the_role(replay: Replay, language: str) -> None:
    speak(replay, language, MANAGER, ADMIN, PENDING_EXECUTOR)
    user = replay.user(PENDING_EXECUTOR.telegram_id, "Test", language)
    phone = "+998931112233"
    await replay.send(user.share_contact(phone_number=phone))
    await replay.settle()
    (notice,) = texts_in(replay, MANAGER.telegram_id)
    assert notice == "\n".join(
        [
            plain(texts.USER_PENDING, language, name="Otabek Nazarov"),
            plain(texts.PHONE_LINE, language, phone=phone),
            plain(texts.ROLES_LINE, language, roles=role_label("executor", language)),
        ]
    )


async def test_no_producer_can_make_the_gateway_announce_a_user(replay: Replay) -> None:
    harness = await replay.start()
    assert harness.events_url is not None
    key = replay.settings.services.service_api_key.get_secret_value()
    event = {
        "event_id": "user-service:forged:1",
        "type": "gateway.approval_waiting",
        "occurred_at": "2025-01-14T09:30:00Z",
        "payload": {"what": "user", "user": {"id": NEWCOMER.id}, "address": None},
    }
    async with httpx.AsyncClient() as client:
        response = await client.post(
            harness.events_url,
            json=event,
            headers={"X-Service-Name": "user-service", "X-Service-API-Key": key},
        )
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_event_type"
    await replay.settle()
    assert texts_in(replay, MANAGER.telegram_id) == []
