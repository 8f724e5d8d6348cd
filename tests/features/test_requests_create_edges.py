"""/create_request: who may not, what is missing and its fix, stale buttons, /start and
/language in the middle, and a request service that fails."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devkit.fakes import seed
from tests.features.requests.support import (
    OUTDATED_RU,
    alerts,
    assert_every_callback_answered_once,
    new_requests,
    service_calls,
    t,
)
from tests.replay_plugin import Replay
from workers.bot.core import texts as runtime_texts
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.ui import escape
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.requests import texts


@pytest.mark.parametrize("locale", ["ru", "uz"])
async def test_roles_and_statuses_that_may_not_file(replay: Replay, locale: str) -> None:
    for who in (seed.PLUMBER, seed.MANAGER, seed.ADMIN):
        replay.services.users[who.id].language_code = locale
    refusals = {
        seed.PLUMBER: runtime_texts.ROLE_REFUSED,
        seed.MANAGER: runtime_texts.ROLE_REFUSED,
        seed.ADMIN: runtime_texts.ROLE_REFUSED,
        seed.PENDING_RESIDENT: runtime_texts.AWAITING_APPROVAL,
        seed.BLOCKED: runtime_texts.ACCESS_BLOCKED,
    }
    for who, refusal in refusals.items():
        user = replay.user(who.telegram_id, "X", language_code=locale)
        locale_of_user = replay.services.users[who.id].language_code or locale
        turn = await replay.command(user, "create_request")
        assert turn.texts == [t(refusal, locale_of_user)], who
    stranger = replay.user(7_310_001, "Nobody", language_code=locale)
    turn = await replay.command(stranger, "create_request")
    assert turn.texts == [t(runtime_texts.NOT_REGISTERED, locale)]
    assert service_calls(replay, "POST", "/requests/") == []


async def test_a_missing_phone_is_asked_for_and_the_flow_goes_on(replay: Replay) -> None:
    replay.services.users[seed.NEIGHBOUR.id].phone = None
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    turn = await replay.command(user, "create_request")
    assert turn.text.startswith("Чтобы подать заявку, нужен номер телефона.")
    keyboard = turn.markup()
    assert keyboard is not None and keyboard["keyboard"][0][0]["request_contact"] is True
    # Someone else's contact, then a number that is not one: re-prompted, nothing saved.
    turn = await replay.send(user.share_contact(phone_number="+998907777777", own=False))
    assert turn.text.startswith("Отправьте свой номер")
    turn = await replay.text(user, "12345")
    assert turn.text == "Неверный номер телефона. Пример: +998901234567"
    assert replay.services.users[seed.NEIGHBOUR.id].phone is None
    turn = await replay.contact(user, phone="998 90 111 22 33")
    assert turn.texts[0] == "Номер сохранён."
    assert "Шаг 1 из 5" in turn.text
    assert replay.services.users[seed.NEIGHBOUR.id].phone == "+998901112233"


async def test_no_address_offers_the_apartment_picker(replay: Replay) -> None:
    replay.services.links[(seed.NEIGHBOUR.id, seed.RESIDENT_APARTMENT)].status = "rejected"
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    turn = await replay.command(user, "create_request")
    assert turn.text.startswith("Чтобы подать заявку, нужна квартира")
    assert turn.buttons() == ["🏠 Выбрать квартиру"]
    turn = await replay.press(user, "🏠 Выбрать квартиру")
    assert "Olmazor-1" in turn.buttons()  # the onboarding picker, yards first
    assert await _state(replay, user.id) is None


async def test_a_link_under_review_is_explained(replay: Replay) -> None:
    replay.services.links[(seed.NEIGHBOUR.id, seed.RESIDENT_APARTMENT)].status = "pending"
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    turn = await replay.command(user, "create_request")
    assert turn.texts == [t(texts.NEED_ADDRESS_PENDING, "ru")]


@pytest.fixture
def one_address(replay: Replay, monkeypatch: pytest.MonkeyPatch) -> None:
    original = replay.services.request_addresses

    def only_the_flat(user_id: int) -> Iterator[tuple[str, int]]:
        return (ref for ref in original(user_id) if ref[0] == "apartment")

    monkeypatch.setattr(replay.services, "request_addresses", only_the_flat)


@pytest.mark.usefixtures("one_address")
async def test_one_address_skips_the_address_step(replay: Replay) -> None:
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    await replay.command(user, "create_request")
    turn = await replay.press(user, "Отопление")
    assert turn.text.startswith("Шаг 3 из 5")
    await replay.text(user, "Батарея холодная в спальне")
    await replay.press(user, "Средняя")
    turn = await replay.press(user, "Пропустить")
    await replay.press(user, "✏️ Изменить")
    # Nothing to change the address to: the field is not offered.
    assert "Адрес" not in (await replay.press(user, "◀️ Назад")).buttons()
    await replay.press(user, "✅ Подтвердить")
    (request,) = new_requests(replay, seed.NEIGHBOUR.id)
    assert (request.address_type, request.address_id) == ("apartment", seed.RESIDENT_APARTMENT)


async def _state(replay: Replay, chat_id: int) -> str | None:
    prefix = replay.settings.redis.key_prefix
    bot_id = replay.settings.telegram.bot_id
    raw = await replay.pipeline.redis.get(f"{prefix}:fsm:{bot_id}:{chat_id}:{chat_id}:state")
    return raw.decode() if raw is not None else None


async def test_start_mid_flow_and_buttons_of_an_older_draft_are_stale(replay: Replay) -> None:
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    await replay.command(user, "create_request")
    old_keyboard = replay.telegram.last_bot_message(user.id, with_button="Лифт")
    assert old_keyboard is not None
    await replay.command(user, "start")
    assert await _state(replay, user.id) is None
    turn = await replay.press_at(user, old_keyboard, "Лифт")
    assert alerts(turn) == [OUTDATED_RU]
    assert turn.methods == ["answerCallbackQuery"]
    # A new draft is under way: the old draft's buttons still do not act on it.
    await replay.command(user, "create_request")
    assert await _state(replay, user.id) == "CreateRequest:category"
    turn = await replay.press_at(user, old_keyboard, "Лифт")
    assert alerts(turn) == [OUTDATED_RU]
    assert "Шаг 2 из 5" in (await replay.press(user, "Лифт")).text
    assert_every_callback_answered_once(replay)


async def test_switching_language_mid_flow_goes_on_in_the_new_language(replay: Replay) -> None:
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    await replay.command(user, "create_request")
    await replay.press(user, "Электрика")
    await replay.command(user, "language")
    await replay.press(user, "O'zbekcha")
    # The Russian keyboard of this draft still works; what follows is in Uzbek.
    turn = await replay.press(user, "Olmazor-1 (весь двор)")
    assert turn.text.startswith("3-qadam (jami 5).")
    turn = await replay.text(user, "Yo'lakda chiroq yonmayapti")
    assert turn.text == t(texts.STEP_URGENCY, "uz")
    assert turn.buttons() == ["Oddiy", "O'rta", "Shoshilinch", "Kritik"]
    await replay.press(user, "Shoshilinch")
    await replay.press(user, "O'tkazib yuborish")
    turn = await replay.press(user, "✅ Tasdiqlash")
    (request,) = new_requests(replay, seed.NEIGHBOUR.id)
    assert turn.text.startswith(f"✅ № {request.request_number} ariza yaratildi.")
    assert request.category == "electricity"


@pytest.mark.replay(env={"PIPELINE_MAX_ATTEMPTS": "2"})
async def test_a_failing_request_service_keeps_the_draft_for_a_retry(replay: Replay) -> None:
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    start = await replay.command(user, "create_request")
    await replay.press(user, "Уборка")
    await replay.press(user, "Olmazor-1 (весь двор)")
    await replay.text(user, "Во дворе не вывозят мусор")
    await replay.press(user, "Обычная")
    await replay.press(user, "Пропустить")
    controls = replay.services.controls["request"]
    controls.add_fault("status:500", method="POST", path_regex=r"/requests/$", times=0)

    turn = await replay.press(user, "✅ Подтвердить")
    assert turn.texts[-1] == t(runtime_texts.UNAVAILABLE, "ru")
    assert new_requests(replay, seed.NEIGHBOUR.id) == []
    assert await _state(replay, user.id) == "CreateRequest:confirm"

    controls.faults.clear()
    turn = await replay.press(user, "✅ Подтвердить")
    (request,) = new_requests(replay, seed.NEIGHBOUR.id)
    assert turn.text.startswith(f"✅ Заявка № {request.request_number} создана.")
    # Two attempts of the first tap (the pipeline's retry) and the second tap: one key.
    keys = [c.idempotency_key for c in service_calls(replay, "POST", "/requests/")]
    assert keys == [f"draft:{user.id}-{start.update['update_id']}"] * 3
    assert await _state(replay, user.id) is None
    assert_every_callback_answered_once(replay)


async def test_the_longest_description_fits_every_message(replay: Replay) -> None:
    description = ("<&> " * 500).strip() + "!"  # 2000 characters, each one escaped
    assert len(description) == 2000
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    await replay.command(user, "create_request")
    await replay.press(user, "Ремонт")
    await replay.press(user, "Olmazor-1 (весь двор)")
    await replay.text(user, description)
    await replay.press(user, "Обычная")
    summary = await replay.press(user, "Пропустить")
    assert all(c.ok for c in summary.calls)
    assert "&lt;&amp;&gt; &lt;&amp;&gt;" in summary.text
    await replay.press(user, "✅ Подтвердить")
    (request,) = new_requests(replay, seed.NEIGHBOUR.id)
    assert request.description == description
    card = await replay.command(user, "request_status", request.request_number)
    assert all(c.ok for c in card.calls)
    # The card cuts a long description to 1500 characters ("…" included), then escapes it.
    cut = description[:1499].rstrip() + "…"
    assert "<b>Описание:</b>\n" + escape(cut) in card.text
    assert escape(description) not in card.text


@pytest.mark.replay(env={"WORKER_GATEWAY_SETTINGS_CACHE_SECONDS": "0"})
async def test_refusals_of_the_request_service_are_explained_and_the_draft_stays(
    replay: Replay,
) -> None:
    await replay.start()
    store = GatewaySettingsStore(
        replay.pipeline.redis, key_prefix=replay.settings.redis.key_prefix, cache_seconds=0
    )
    await store.set("support_contact", "@uk_support <24/7>", actor_user_id=seed.ADMIN.id)
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    await replay.command(user, "create_request")
    await replay.press(user, "Интернет/ТВ")
    await replay.press(user, "Olmazor-1 (весь двор)")
    await replay.text(user, "Нет интернета во всём доме")
    await replay.press(user, "Средняя")
    await replay.press(user, "Пропустить")
    controls = replay.services.controls["request"]

    # A body that is not the contract's: a generic apology naming the (escaped) contact.
    controls.add_fault("garbage", method="POST", path_regex=r"/requests/$")
    turn = await replay.press(user, "✅ Подтвердить")
    assert turn.text == t(ui_texts.GENERIC_ERROR_SUPPORT, "ru", support="@uk_support &lt;24/7&gt;")
    # A known code gets its own sentence; the service's detail is never shown.
    controls.add_fault(
        "status:422", method="POST", path_regex=r"/requests/$", code="phone_required"
    )
    turn = await replay.press(user, "✅ Подтвердить")
    assert turn.text == t(ui_texts.ERR_PHONE_REQUIRED, "ru")
    assert "injected" not in turn.text
    assert new_requests(replay, seed.NEIGHBOUR.id) == []
    assert await _state(replay, user.id) == "CreateRequest:confirm"

    turn = await replay.press(user, "✅ Подтвердить")
    (request,) = new_requests(replay, seed.NEIGHBOUR.id)
    assert turn.text.startswith(f"✅ Заявка № {request.request_number} создана.")
    assert_every_callback_answered_once(replay)


async def test_a_lost_answer_is_replayed_not_repeated(replay: Replay) -> None:
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    await replay.command(user, "create_request")
    await replay.press(user, "Безопасность")
    await replay.press(user, "Olmazor-1 (весь двор)")
    await replay.text(user, "Не закрывается калитка во двор")
    await replay.press(user, "Обычная")
    await replay.press(user, "Пропустить")
    # The service creates the request, then the connection drops before the answer.
    controls = replay.services.controls["request"]
    controls.add_fault("drop_after", method="POST", path_regex=r"/requests/$")
    turn = await replay.press(user, "✅ Подтвердить")
    (request,) = new_requests(replay, seed.NEIGHBOUR.id)
    assert turn.text.startswith(f"✅ Заявка № {request.request_number} создана.")
    calls = service_calls(replay, "POST", "/requests/")
    assert len(calls) == 2 and len({c.idempotency_key for c in calls}) == 1


async def test_a_step_without_its_draft_starts_over(replay: Replay) -> None:
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    await replay.command(user, "create_request")
    await replay.press(user, "Лифт")
    await replay.press(user, "Olmazor-1 (весь двор)")
    prefix, bot_id = replay.settings.redis.key_prefix, replay.settings.telegram.bot_id
    await replay.pipeline.redis.delete(f"{prefix}:fsm:{bot_id}:{user.id}:{user.id}:data")
    turn = await replay.text(user, "Лифт застрял между этажами")
    assert turn.texts == [t(texts.FLOW_LOST, "ru")]
    assert "Создать заявку" in turn.buttons()
    assert await _state(replay, user.id) is None
