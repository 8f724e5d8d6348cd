"""Broadcasts through the real pipeline and a real worker: compose → audience → preview with the
count → confirm → delivered by the sender jobs at the shared pace, progress card, final totals;
cancel; 403 counted as blocked; a 429 waited out without a second copy; in RU and UZ."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from devkit.fakes.seed import MANAGER, NEIGHBOUR, PLUMBER, RESIDENT
from tests.features.broadcast.support import (
    add_residents,
    card_calls,
    compose,
    delivered,
    final_card,
)
from tests.features.executor.helpers import LANGUAGES, press_raw, staff, toasts, tx
from tests.replay_plugin import Replay
from workers.bot.core import texts as runtime_texts
from workers.bot.core.broadcast import texts as card_texts
from workers.bot.core.broadcast.message import BroadcastStopCB
from workers.bot.core.ui import specialization_label
from workers.bot.features.broadcast import texts

TEXT = "Завтра с 10:00 до 12:00 в доме 12 не будет воды <b>&</b> света."


async def _rows(replay: Replay, sql: str) -> list[tuple[object, ...]]:
    engine = create_async_engine(replay.settings.database.url)
    try:
        async with engine.connect() as conn:
            return [tuple(r) for r in (await conn.execute(text(sql))).all()]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("language", LANGUAGES)
async def test_building_broadcast_preview_confirm_and_totals(replay: Replay, language: str) -> None:
    manager = staff(replay, MANAGER, language, "Nodira")
    resident = replay.user(RESIDENT.telegram_id, "Aziz", language_code="uz")
    neighbour = replay.user(NEIGHBOUR.telegram_id, "Malika")
    turn = await compose(
        replay,
        manager,
        language,
        TEXT,
        tx(texts.AUDIENCE_BUILDING, language),
        "Olmazor-1",
        "Navoiy ko'chasi 12",
    )
    # The preview is the recipients' message itself, then the summary with the count.
    assert turn.texts[0] == tx(texts.PREVIEW_TITLE, language)
    preview = turn.texts[1]
    assert preview == html.escape(TEXT, quote=False)  # what the user typed, as HTML
    assert turn.texts[2] == tx(
        texts.PREVIEW_SUMMARY,
        language,
        audience=tx(texts.LABEL_BUILDING, language, name="Navoiy ko'chasi 12"),
        count=2,
    )
    assert turn.buttons() == [tx(texts.BTN_SEND, language), tx(texts.BTN_CHANGE_AUDIENCE, language)]

    turn = await replay.press(manager, tx(texts.BTN_SEND, language))
    first_card = next(t for t in turn.texts if "№" in t and "\n" in t)
    assert tx(texts.STARTED, language, number=_number(first_card)) in turn.texts
    final = await final_card(replay, manager.chat_id, language)
    number = _number(final)
    assert final == tx(
        card_texts.CARD_DONE, language, number=number, total=2, sent=2, failed=0, blocked=0
    )
    for person in (resident, neighbour):
        got = delivered(replay, person.chat_id)
        assert [p["text"] for p in got] == [preview]
        assert "reply_markup" not in got[0]
    # Nobody else got it: the executor is no resident of the building.
    assert delivered(replay, PLUMBER.telegram_id) == []
    rows = await _rows(
        replay,
        f"SELECT status, total, sent, failed, blocked, audience->>'kind', finished_at IS NOT NULL"
        f" FROM broadcasts WHERE id = {number}",
    )
    assert rows == [("done", 2, 2, 0, 0, "building", True)]
    states = await _rows(
        replay,
        f"SELECT state, count(*) FROM broadcast_recipients WHERE broadcast_id = {number}"
        " GROUP BY state",
    )
    assert states == [(2, 2)]


def _number(card: str) -> int:
    return int(card.split("№", 1)[1].split("<", 1)[0].strip())


@pytest.mark.replay(env={"BROADCAST_RATE": "3"})
@pytest.mark.parametrize("language", LANGUAGES)
async def test_cancel_stops_the_broadcast_and_shows_what_was_left(
    replay: Replay, language: str
) -> None:
    residents = add_residents(replay, 40)
    manager = staff(replay, MANAGER, language, "Nodira")
    turn = await compose(
        replay,
        manager,
        language,
        "Плановое отключение лифта.",
        tx(texts.AUDIENCE_RESIDENTS, language),
    )
    assert f": {2 + 40 + 1}" in turn.texts[-1]  # seeded residents 2 + 40 + the multi-role one
    await replay.press(manager, tx(texts.BTN_SEND, language))
    # Stop once a few went out (3 a second: the whole list would take ~14 s).
    await replay.telegram.wait_for(
        lambda c: c.ok and c.method == "sendMessage" and c.params.get("chat_id") in residents,
        count=2,
        timeout=10,
    )
    stopped = await replay.press(manager, tx(card_texts.BTN_STOP, language))
    assert toasts(stopped) == [tx(texts.STOP_REQUESTED, language)]
    final = await final_card(replay, manager.chat_id, language, cancelled=True)
    number = _number(final)
    audience = [*residents, RESIDENT.telegram_id, NEIGHBOUR.telegram_id, 100011]
    copies = {tg: len(delivered(replay, tg)) for tg in audience}
    sent = sum(copies.values())
    assert max(copies.values()) == 1  # nobody twice
    assert 2 <= sent < 43
    assert final == tx(
        card_texts.CARD_CANCELLED,
        language,
        number=number,
        total=43,
        sent=sent,
        failed=0,
        blocked=0,
        remaining=43 - sent,
    )
    # The final card has no button; an old copy of it pressed again: the broadcast is over.
    card_message = next(
        m
        for m in reversed(replay.telegram.bot_messages(manager.chat_id))
        if "№" in str(m.get("text"))
    )
    again = await press_raw(replay, manager, card_message, BroadcastStopCB(id=number).pack())
    assert toasts(again) == [tx(texts.ALREADY_FINISHED, language)]
    rows = await _rows(replay, f"SELECT status, sent FROM broadcasts WHERE id = {number}")
    assert rows == [("cancelled", sent)]
    assert len(card_calls(replay, manager.chat_id)) >= 2


@pytest.mark.parametrize("language", LANGUAGES)
async def test_blocked_recipient_counted_and_429_waited_out_once(
    replay: Replay, language: str
) -> None:
    manager = staff(replay, MANAGER, language, "Nodira")
    resident = replay.user(RESIDENT.telegram_id, "Aziz", language_code="uz")
    neighbour = replay.user(NEIGHBOUR.telegram_id, "Malika")
    replay.user(100011, "Shahzoda")  # the multi-role resident of building 3
    replay.telegram.block_chat(neighbour.chat_id)
    turn = await replay.command(manager, "broadcast")
    assert turn.texts[-1].startswith(tx(texts.ASK_TEXT, language, limit=4096, caption_limit=1024))
    turn = await replay.photo(manager, caption="Собрание жильцов в субботу")
    assert turn.texts == [tx(texts.ASK_AUDIENCE, language)]
    turn = await replay.press(manager, tx(texts.AUDIENCE_RESIDENTS, language))
    assert [c.method for c in turn.ok_calls].count("sendPhoto") == 1  # the preview
    assert ": 3" in turn.texts[-1]
    # The first broadcast photo meets a flood limit: every sender waits, nobody gets two.
    replay.telegram.flood(count=1, retry_after=1, method="sendPhoto")
    await replay.press(manager, tx(texts.BTN_SEND, language))
    final = await final_card(replay, manager.chat_id, language)
    assert final == tx(
        card_texts.CARD_DONE,
        language,
        number=_number(final),
        total=3,
        sent=2,
        failed=0,
        blocked=1,
    )
    floods = [c for c in replay.telegram.calls_to("sendPhoto") if c.status == 429]
    assert len(floods) == 1
    for chat in (resident.chat_id, 100011):
        photos = delivered(replay, chat, "sendPhoto")
        assert [p.get("caption") for p in photos] == ["Собрание жильцов в субботу"]
    # The flooded recipient was sent to again only after the retry_after; sends already under
    # way when the 429 came back may land meanwhile, none is started after it.
    flooded = floods[0].params["chat_id"]
    retried = delivered(replay, flooded, "sendPhoto")
    assert len(retried) == 1
    ok_after = [
        c
        for c in replay.telegram.calls_to("sendPhoto", chat_id=flooded, ok=True)
        if c.time > floods[0].time
    ]
    assert ok_after[0].time - floods[0].time >= 0.9


@pytest.mark.parametrize("language", LANGUAGES)
async def test_executors_by_specialization_and_refusals(replay: Replay, language: str) -> None:
    manager = staff(replay, MANAGER, language, "Nodira")
    electricians = tx(
        texts.LABEL_SPECIALIZATION,
        language,
        specialization=specialization_label("electrician", language),
    )
    turn = await compose(
        replay,
        manager,
        language,
        "Проверка",
        tx(texts.AUDIENCE_SPECIALIZATION, language),
        specialization_label("electrician", language),
    )
    # The electrician and the multi-role person (both approved electricians).
    assert turn.texts[-1] == tx(texts.PREVIEW_SUMMARY, language, audience=electricians, count=2)
    back = await replay.press(manager, tx(texts.BTN_CHANGE_AUDIENCE, language))
    assert back.texts == [tx(texts.ASK_AUDIENCE, language)]
    # Too long a text is refused with the numbers; and the draft stays.
    await replay.command(manager, "broadcast")
    long = await replay.text(manager, "x" * 4097)
    assert long.texts == [tx(texts.TEXT_TOO_LONG, language, length=4097, limit=4096)]
    # A resident may not broadcast: the role refusal, not the flow.
    resident = staff(replay, RESIDENT, language, "Aziz")
    refused = await replay.command(resident, "broadcast")
    assert refused.texts == [tx(runtime_texts.ROLE_REFUSED, language)]
