"""The comment thread on the request card: read (paged, oldest first, internal hidden from the
applicant) and write, and a written comment reaching the other participants."""

from __future__ import annotations

import pytest

from devkit.fakes.entities import CommentRec
from devkit.fakes.seed import MANAGER, PLUMBER, RESIDENT
from tests.notifications.support import plain, tx
from tests.replay_plugin import Replay
from workers.bot.core.comments import BTN_COMMENTS, BTN_WRITE_COMMENT
from workers.bot.features.comments import texts

pytestmark = pytest.mark.replay(events=True)


async def test_thread_paged_internal_hidden_and_written(replay: Replay) -> None:
    world = replay.services
    number = world.seed_requests["in_progress"]
    for i in range(6):
        world.comments.append(
            CommentRec(
                id=world.next_id("comment", 9001),
                request_number=number,
                author_user_id=MANAGER.id,
                comment_type="comment",
                comment_text=f"заметка {i}",
                created_at=world.now(),
                is_internal=i == 5,
            )
        )
    world.users[PLUMBER.id].language_code = "ru"
    plumber = replay.user(PLUMBER.telegram_id, "Bekzod", "ru")
    resident = replay.user(RESIDENT.telegram_id, "Aziz", "uz")
    await replay.command(resident, "request_status", number)
    turn = await replay.press(resident, tx(BTN_COMMENTS, "uz"))
    assert turn.text.startswith(tx(texts.TITLE, "uz", number=number))
    # Oldest first: the seeded status change, then the notes; 5 a page.
    assert "заметка 0" in turn.text and "заметка 4" not in turn.text
    turn = await replay.press(resident, "▶")
    assert "заметка 4" in turn.text
    assert "заметка 5" not in turn.text  # internal: never for the applicant

    # The executor sees the internal one, and writes a comment; the applicant is told.
    await replay.text(plumber, "Активные заявки")
    await replay.press(plumber, f"№ {number}")
    await replay.press(plumber, tx(BTN_COMMENTS, "ru"))
    turn = await replay.press(plumber, "▶")
    assert "заметка 5" in turn.text and tx(texts.INTERNAL, "ru") in turn.text
    turn = await replay.press(plumber, tx(BTN_WRITE_COMMENT, "ru"))
    assert turn.text == tx(texts.ASK, "ru", number=number, max=2000)
    turn = await replay.text(plumber, "Приду завтра в 10:00")
    assert turn.texts[-1] == tx(texts.SAVED, "ru", number=number)
    (written,) = [c for c in world.comments_of(number) if c.comment_text == "Приду завтра в 10:00"]
    assert written.author_user_id == PLUMBER.id and not written.is_internal
    await replay.settle()
    notice = replay.telegram.bot_messages(resident.chat_id)[-1]
    assert notice["text"].endswith("Bekzod Tursunov: Приду завтра в 10:00")
    assert plain(texts.TITLE, "uz", number=number) not in notice["text"]
