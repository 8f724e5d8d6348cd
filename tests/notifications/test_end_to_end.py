"""Service changes reach the people concerned: the fakes emit §10 events to the real internal
endpoint, the real worker fans them out into chat lanes and delivers them through the pipeline."""

from __future__ import annotations

import pytest

from devkit.fakes.seed import MANAGER, PLUMBER, RESIDENT
from tests.notifications.support import buttons, plain, service, texts_in, tx
from tests.replay_plugin import Replay
from workers.bot.notifications import texts

pytestmark = pytest.mark.replay(events=True)


async def test_manager_confirms_in_the_bot_and_the_resident_is_told(replay: Replay) -> None:
    world = replay.services
    number = world.seed_requests["done"]
    resident = replay.user(RESIDENT.telegram_id, "Aziz", "uz")
    version = world.requests[number].status_version

    await service(
        replay,
        "request",
        "PATCH",
        f"/requests/{number}/status",
        {"status": "confirmed", "status_version": version, "actor_user_id": MANAGER.id},
    )
    await replay.settle()

    (notice,) = replay.telegram.bot_messages(resident.chat_id)
    report = world.requests[number].completion_report
    assert notice["text"] == plain(texts.CONFIRMED_APPLICANT, "uz", number=number, report=report)
    pressed = dict(buttons(notice))
    assert pressed[tx(texts.BTN_ACCEPT, "uz")] == f"rq:acc:{number}:{version + 1}:"
    # The button opens the acceptance flow: a rating keyboard.
    turn = await replay.press(resident, tx(texts.BTN_ACCEPT, "uz"))
    assert "★" in str(turn.markup())
    # Nobody else was told: the manager made the change, the executor is not concerned.
    assert texts_in(replay, MANAGER.telegram_id) == []
    assert texts_in(replay, PLUMBER.telegram_id) == []


async def test_a_change_made_in_the_bot_reaches_the_other_side(replay: Replay) -> None:
    """``/as manager`` confirms in the bot → ``/as resident`` sees it (what ``make dev`` shows)."""
    world = replay.services
    done = world.seed_requests["done"]
    world.users[MANAGER.id].language_code = "ru"
    manager = replay.user(MANAGER.telegram_id, "Nodira", "ru")
    resident = replay.user(RESIDENT.telegram_id, "Aziz", "uz")
    await replay.text(manager, "Заявки")
    await replay.press(manager, "На проверке")
    await replay.press(manager, f"№ {done}")
    await replay.press(manager, "Подтвердить")
    assert world.requests[done].status == "confirmed"
    await replay.settle()
    (notice,) = replay.telegram.bot_messages(resident.chat_id)
    assert notice["text"].startswith(f"✅ № {done} ariza qabulingizni kutmoqda")
    assert (
        plain(texts.BTN_RETURN, "uz"),
        f"rq:ret:{done}:{world.requests[done].status_version}:",
    ) in (buttons(notice))
