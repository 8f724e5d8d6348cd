"""A recorded acceptance (tests/features/acceptance/accept_ru.jsonl) replayed through the real
pipeline against fakes seeded at the recording's clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from devkit.fakes import seed
from devkit.fakes.seed import load_seed
from tests.features.requests.support import assert_every_callback_answered_once
from tests.replay_plugin import Replay

TRANSCRIPT = Path(__file__).parent / "acceptance" / "accept_ru.jsonl"
RECORDED_AT = dt.datetime(2025, 1, 14, 9, 30, tzinfo=dt.UTC)


async def test_the_recorded_acceptance_replays(replay: Replay) -> None:
    world = replay.services
    world.reset()
    world.clock.set(RECORDED_AT)
    load_seed(world)
    world.users[seed.RESIDENT.id].language_code = "ru"
    number = world.seed_requests["confirmed"]
    assert number == "250108-001"  # the number the recording's buttons carry

    result = await replay.run(TRANSCRIPT)
    assert result.dead_lettered == {}
    sent = result.texts(seed.RESIDENT.telegram_id)
    assert sent[0].startswith("<b>Ожидают приёмки</b> — 1\n\n<b>250108-001</b> · Исполнено")
    assert sent[1].startswith("<b>Заявка № 250108-001</b>\n<b>Статус:</b> Исполнено")
    assert sent[2] == "Оцените работу по заявке № 250108-001:"
    assert "<b>Статус:</b> Принято" in sent[3] and "<b>Оценка:</b> ★★★★★" in sent[3]
    assert sent[4] == "Спасибо! Заявка № 250108-001 принята, ваша оценка: ★★★★★."
    assert sent[5] == "<b>Ожидают приёмки</b> — 0\n\nНет заявок, ожидающих приёмки."
    request = world.requests[number]
    assert (request.status, request.rating) == ("accepted", 5)
    assert_every_callback_answered_once(replay)
