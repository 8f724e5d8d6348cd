"""The UI toolkit's keyboards, filters, callback data sizes, error texts and keyboard cache."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import Chat, Message, ReplyKeyboardMarkup
from aiogram.utils.i18n import I18n
from sqlalchemy import delete

from shared.clients import (
    CircuitOpen,
    Gone,
    ServiceBadResponse,
    ServiceConflict,
    ServiceFailure,
    ServiceForbidden,
    ServiceNotFound,
    ValidationFailed,
)
from shared.clients.models import Page
from shared.db.engine import create_engine, create_sessionmaker
from shared.db.models import InlineKeyboardCache
from shared.settings import load_settings
from workers.bot.core import ui
from workers.bot.features.common.keyboards import LangCB, RoleCB
from workers.bot.features.onboarding.keyboards import ApCB, WhoCB
from workers.bot.locales import create_i18n

MAX_ID = 2_147_483_647  # the services' ids are 32-bit


@pytest.fixture(scope="module")
def i18n() -> I18n:
    return create_i18n()


@pytest.fixture
def uz(i18n: I18n) -> Iterator[I18n]:
    with i18n.context(), i18n.use_locale("uz"):
        yield i18n


def _texts(markup: ReplyKeyboardMarkup) -> list[list[str]]:
    return [[b.text for b in row] for row in markup.keyboard]


def test_menus_by_role_two_per_row(uz: I18n) -> None:
    applicant = ui.build_main_menu(ui.MenuState("applicant", ("applicant",), awaiting_acceptance=2))
    assert _texts(applicant) == [
        ["Ariza yaratish", "Mening arizalarim"],
        ["Qabul qilish (2)", "Profil"],
        ["Til", "Yordam"],
    ]
    executor = ui.MenuState("executor", ("executor", "applicant"), shift_active=True)
    rows = _texts(ui.build_main_menu(executor, "ru"))
    assert all(len(row) <= 2 for row in rows)
    flat = [t for row in rows for t in row]
    assert "Завершить смену" in flat and "Начать смену" not in flat and flat[-1] == "Сменить роль"
    manager = [
        t
        for r in _texts(ui.build_main_menu(ui.MenuState("manager", ("manager",), 0, 3), "ru"))
        for t in r
    ]
    assert manager == [
        "Заявки",
        "Пользователи (3)",
        "Аналитика",
        "График",
        "Рассылка",
        "Помощь",
    ]
    admin = [
        t
        for r in _texts(ui.build_main_menu(ui.MenuState("admin", ("admin", "manager")), "ru"))
        for t in r
    ]
    assert "Настройки" in admin and "Сменить роль" not in admin  # manager + admin: one group


def test_buttons_match_in_both_languages_with_badges(uz: I18n) -> None:
    assert ui.match_button("Мои заявки") is ui.MenuButton.MY_REQUESTS
    assert ui.match_button("Mening arizalarim") is ui.MenuButton.MY_REQUESTS
    assert ui.match_button("Qabul qilish (7)") is ui.MenuButton.ACCEPTANCE
    assert ui.match_button("Приёмка (12)") is ui.MenuButton.ACCEPTANCE
    assert ui.match_button("Мои заявки", ui.MenuButton.HELP) is None
    assert ui.match_button("мои заявки please") is None and ui.match_button(None) is None


async def test_menu_button_filter(uz: I18n) -> None:
    message = Message(
        message_id=1,
        date=dt.datetime.now(dt.UTC),
        chat=Chat(id=1, type="private"),
        text="Bekor qilish",
    )
    assert await ui.menu_button(ui.MenuButton.CANCEL)(message) == {
        "menu_button": ui.MenuButton.CANCEL
    }
    assert await ui.menu_button(ui.MenuButton.HELP)(message) is False
    assert await ui.text_button("Отмена")(message) == {"button_text": "Отмена"}


def test_pager_row(uz: I18n) -> None:
    assert ui.pager_row(1, 1, lambda p: ui.PageCB(scope="x", page=p)) == []
    first = ui.pager_row(1, 3, lambda p: ui.PageCB(scope="mr", page=p))
    assert [b.text for b in first] == ["1 / 3", "▶"]
    assert first[1].callback_data == "pg:mr:2" and first[0].callback_data == "noop"
    middle = ui.pager_row(2, 3, lambda p: f"x:{p}", "ru")
    assert [(b.text, b.callback_data) for b in middle] == [
        ("◀", "x:1"),
        ("2 из 3", "noop"),
        ("▶", "x:3"),
    ]


async def test_page_or_last_follows_a_shrinking_list() -> None:
    """A pager button from a longer list asks past the end: the last page is read instead, again
    while the list keeps shrinking; an empty list and a page that exists are read once."""
    lengths = iter([4, 2])  # pages the list has at each read
    asked: list[int] = []

    async def shrinking(page: int) -> Page[str]:
        asked.append(page)
        pages = next(lengths, 2)
        items = [f"r{page}"] if page <= pages else []
        return Page(items=items, total=pages * 5, page=page, size=5, pages=pages)

    found = await ui.page_or_last(shrinking, 7)
    assert (asked, found.page, found.items) == ([7, 4, 2], 2, ["r2"])

    async def empty(page: int) -> Page[str]:
        asked.append(page)
        return Page(items=[], total=0, page=page, size=5, pages=0)

    asked.clear()
    assert (await ui.page_or_last(empty, 3)).items == [] and asked == [3]
    asked.clear()
    assert (await ui.page_or_last(shrinking, 1)).items == ["r1"] and asked == [1]


@pytest.mark.parametrize(
    "data",
    [
        LangCB(code="uz"),
        RoleCB(role="applicant"),
        WhoCB(who="e"),
        ApCB(a="c", y=MAX_ID, b=MAX_ID, p=9999, yp=9999, bp=9999, apt=MAX_ID),
        ui.PageCB(scope="x" * 16, page=99_999),
        ui.NoopCB(),
        ui.KeyboardCacheCB(key="A" * 12, i=999),
    ],
)
def test_callback_data_fits_64_bytes(data: CallbackData) -> None:
    packed = data.pack()
    assert len(packed.encode()) <= 64
    assert type(data).unpack(packed) == data


def test_error_texts(uz: I18n) -> None:
    down = ServiceFailure("request", "requests.create", 503)
    assert (
        ui.error_message(down, locale="ru")
        == "Сервис временно недоступен. Попробуйте через минуту."
    )
    with_support = ui.error_message(down, support="@help <desk>", locale="ru")
    assert with_support.endswith("Поддержка: @help &lt;desk&gt;")
    assert "Xizmat vaqtincha" in ui.error_message(CircuitOpen("user", "users.get"))
    taken = ServiceConflict("shift", "shifts.take", 409, "shift_taken")
    assert ui.error_message(taken, locale="ru") == "Эту смену уже занял другой исполнитель."
    assert ui.error_message(Gone("user", "invites", 410, "invite_used"), locale="ru") == (
        "Это приглашение уже использовано."
    )
    assert ui.error_message(ServiceNotFound("request", "get", 404), locale="ru") == "Не найдено."
    assert ui.error_message(ServiceForbidden("request", "x", 403), locale="ru").startswith(
        "Недостаточно"
    )
    unknown = ValidationFailed("request", "x", 422, "something_new")
    garbage = ServiceBadResponse("request", "x", 200)
    for exc in (unknown, garbage, RuntimeError("bug")):
        assert (
            ui.error_message(exc, locale="ru")
            == "Не удалось выполнить действие. Попробуйте ещё раз."
        )
    assert ui.is_transient(down) and not ui.is_transient(garbage)


async def test_apology_reads_the_support_contact(uz: I18n) -> None:
    class Settings:
        support_contact = "+998 71 200-00-00"

    class Source:
        async def get(self) -> Settings:
            return Settings()

    class Broken:
        async def get(self) -> Settings:
            raise ConnectionError("redis down")

    down = ServiceFailure("user", "users.get", 502)
    assert (await ui.apology(down, Source(), "ru")).endswith("Поддержка: +998 71 200-00-00")
    assert await ui.apology(down, Broken(), "ru") == ui.error_message(down, locale="ru")
    conflict = ServiceConflict("request", "x", 409, "already_claimed")
    assert "Поддержка" not in await ui.apology(conflict, Source(), "ru")


async def test_keyboard_cache_round_trip(replay_database: str) -> None:
    settings = load_settings()
    engine = create_engine(settings.database.model_copy(update={"url": replay_database}))
    sessionmaker = create_sessionmaker(engine)
    cache = ui.KeyboardCache(sessionmaker)
    chat_id = 990_000_000 + dt.datetime.now().microsecond
    try:
        entry = await cache.store(
            chat_id,
            [{"status": "active", "q": "Navoiy 12 — поиск"}, {"page": 2}],
            context={"list": "users"},
            entity_type="user_search",
        )
        button = entry.button(1)
        assert button.startswith("kc:") and len(button.encode()) <= 64
        choice = await cache.resolve(button, chat_id)
        assert (
            choice is not None
            and choice.item == {"page": 2}
            and choice.context == {"list": "users"}
        )
        assert await cache.resolve(button, chat_id + 1) is None  # another chat's keyboard
        assert await cache.resolve(entry.button(2), chat_id) is None  # no such item
        assert await cache.resolve("kc:nonsense", chat_id) is None
        await cache.attach(entry, 77)
        fresh = await cache.replace(chat_id, 77, ["next"])
        assert await cache.resolve(button, chat_id) is None  # the replaced message's rows
        again = await cache.resolve(fresh.button(0), chat_id)
        assert again is not None and again.item == "next" and again.message_id == 77
        expired = ui.KeyboardCache(sessionmaker, ttl=dt.timedelta(seconds=-1))
        old = await expired.store(chat_id, ["x"])
        assert await cache.resolve(old.button(0), chat_id) is None
        assert await cache.purge_expired() >= 1
    finally:
        async with sessionmaker() as db, db.begin():
            await db.execute(
                delete(InlineKeyboardCache).where(InlineKeyboardCache.chat_id == chat_id)
            )
        await engine.dispose()
