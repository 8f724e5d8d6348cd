"""Every notification kind of domain.md §5 (except broadcasts), in both languages, through the
real system: the fake services apply a change and POST its §10 event to the real internal
endpoint, the real worker fans it out and delivers it in the recipient's chat lane."""

from __future__ import annotations

from typing import Any

import pytest

from devkit.fakes.seed import (
    ADMIN,
    ELECTRICIAN,
    MANAGER,
    PENDING_RESIDENT,
    PLUMBER,
    RESIDENT,
    SHIFTS,
    SeedUser,
)
from devkit.fakes.views import shift_view
from tests.notifications.support import (
    assign_to,
    buttons,
    change_status,
    file_request,
    plain,
    service,
    speak,
    texts_in,
)
from tests.replay_plugin import Replay
from workers.bot.core.ui import category_label, status_label, urgency_label
from workers.bot.features.requests import texts as request_texts
from workers.bot.notifications import texts

pytestmark = pytest.mark.replay(events=True)
LANGUAGES = ("ru", "uz")


def _last(replay: Replay, person: SeedUser) -> dict[str, Any]:
    messages = replay.telegram.bot_messages(person.telegram_id)
    assert messages, f"nothing arrived for user {person.id}"
    return messages[-1]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_request_life_cycle(replay: Replay, language: str) -> None:
    world = replay.services
    speak(replay, language, RESIDENT, MANAGER, PLUMBER, ELECTRICIAN)
    # A new urgent plumbing request: managers at once, the plumber on shift gets it in the pool.
    number = await file_request(replay, "critical", "Труба <лопнула> & вода льётся")
    values = {
        "number": number,
        "category": category_label("plumbing", language),
        "urgency": urgency_label("critical", language),
        "description": "Труба <лопнула> & вода льётся",
    }
    manager_notice = _last(replay, MANAGER)
    assert manager_notice["text"].startswith(
        plain(texts.MANAGER_NEW, language, address="", **values).split("\n")[0]
    )
    assert "Труба <лопнула> & вода льётся" in manager_notice["text"]
    assert buttons(manager_notice) == [(plain(texts.BTN_OPEN, language), f"mrv:{number}:n:1")]
    pool_notice = _last(replay, PLUMBER)
    assert pool_notice["text"].startswith(
        plain(texts.POOL_ONE, language, address="", **values).split("\n")[0]
    )
    assert buttons(pool_notice) == [(plain(texts.BTN_POOL, language), "pll:1")]
    # Not the electrician (not their group), never the applicant who filed it.
    assert number not in " ".join(texts_in(replay, ELECTRICIAN.telegram_id))
    assert texts_in(replay, RESIDENT.telegram_id) == []

    # The manager assigns it to the plumber: the executor gets the card with Open.
    await assign_to(replay, number, PLUMBER, MANAGER)
    assigned = _last(replay, PLUMBER)
    assert assigned["text"].startswith(
        plain(texts.ASSIGNED, language, address="", **values).split("\n")[0]
    )
    assert buttons(assigned) == [(plain(texts.BTN_OPEN, language), f"exv:{number}:1")]
    # ... and the applicant hears the status change, with the executor's name.
    status_notice = _last(replay, RESIDENT)
    assert status_notice["text"].startswith(
        plain(
            texts.STATUS_CHANGED,
            language,
            number=number,
            status=status_label("in_progress", language),
        )
    )
    assert "Bekzod Tursunov" in status_notice["text"]

    # Clarification: the question with Reply; the answer becomes a comment the manager sees.
    await change_status(replay, number, "clarification", MANAGER, "Какой этаж?")
    question = _last(replay, RESIDENT)
    assert question["text"] == plain(
        texts.CLARIFICATION, language, number=number, question="Какой этаж?"
    )
    version = world.requests[number].status_version
    assert (plain(texts.BTN_REPLY, language), f"rq:rep:{number}:{version}:") in buttons(question)
    resident = replay.user(RESIDENT.telegram_id)
    turn = await replay.press_at(resident, question["message_id"], plain(texts.BTN_REPLY, language))
    assert turn.text == plain(request_texts.ASK_REPLY, language, number=number, max=2000)
    turn = await replay.text(resident, "Пятый этаж")
    assert turn.text == plain(request_texts.REPLY_SENT, language, number=number)
    await replay.settle()
    answer = _last(replay, MANAGER)
    assert answer["text"].startswith(
        plain(texts.COMMENT_ADDED, language, number=number, author="", text="").split("\n")[0]
    )
    assert "Aziz Karimov: Пятый этаж" in answer["text"]

    # Done by the executor, with photos: the applicant gets the album and the report; managers
    # get "waiting for confirmation".
    await change_status(replay, number, "in_progress", MANAGER)
    request = world.requests[number]
    await service(
        replay,
        "request",
        "PATCH",
        f"/requests/{number}/status",
        {
            "status": "done",
            "status_version": request.status_version,
            "actor_user_id": PLUMBER.id,
            "comment": "Заменил трубу",
            "media_files": ["photo-a", "photo-b"],
        },
    )
    await replay.settle()
    album = replay.telegram.calls_to("sendMediaGroup")
    # Admins are managers too.
    assert {c.params["chat_id"] for c in album} == {
        RESIDENT.telegram_id,
        MANAGER.telegram_id,
        ADMIN.telegram_id,
    }
    assert all(len(c.params["media"]) == 2 for c in album)
    done = _last(replay, RESIDENT)
    assert done["text"] == plain(
        texts.DONE_APPLICANT, language, number=number, report="Заменил трубу"
    )
    assert _last(replay, MANAGER)["text"] == plain(
        texts.MANAGER_DONE, language, number=number, report="Заменил трубу"
    )

    # Confirmed: Accept / Return that open the acceptance flow; returned → managers told;
    # back to work → the executor told; cancelled → applicant and executor told the reason.
    await change_status(replay, number, "confirmed", MANAGER)
    confirmed = _last(replay, RESIDENT)
    version = world.requests[number].status_version
    assert buttons(confirmed)[:2] == [
        (plain(texts.BTN_ACCEPT, language), f"rq:acc:{number}:{version}:"),
        (plain(texts.BTN_RETURN, language), f"rq:ret:{number}:{version}:"),
    ]
    request = world.requests[number]
    await service(
        replay,
        "request",
        "POST",
        f"/requests/{number}/return",
        {
            "actor_user_id": RESIDENT.id,
            "reason": "Снова течёт",
            "status_version": request.status_version,
        },
    )
    await replay.settle()
    assert _last(replay, MANAGER)["text"] == plain(
        texts.MANAGER_RETURNED, language, number=number, reason="Снова течёт"
    )
    await change_status(replay, number, "in_progress", MANAGER, "Переделать")
    assert _last(replay, PLUMBER)["text"] == plain(
        texts.REWORK, language, number=number, reason="Переделать"
    )
    await change_status(replay, number, "cancelled", MANAGER, "Дубликат")
    assert _last(replay, RESIDENT)["text"] == plain(
        texts.CANCELLED_APPLICANT, language, number=number, reason="Дубликат"
    )
    assert _last(replay, PLUMBER)["text"] == plain(
        texts.EXECUTOR_CANCELLED, language, number=number, reason="Дубликат"
    )
    # The manager made those changes: never told about their own actions.
    manager_texts = " ".join(texts_in(replay, MANAGER.telegram_id))
    assert "Дубликат" not in manager_texts and "Переделать" not in manager_texts


@pytest.mark.parametrize("language", LANGUAGES)
async def test_user_and_shift_notices(replay: Replay, language: str) -> None:
    world = replay.services
    speak(replay, language, PENDING_RESIDENT, PLUMBER, ELECTRICIAN)
    # The manager approves the pending resident's apartment, then the resident.
    await service(
        replay,
        "user",
        "PATCH",
        f"/users/{PENDING_RESIDENT.id}/apartments/207",
        {"status": "approved", "actor_user_id": MANAGER.id},
    )
    await service(
        replay,
        "user",
        "PATCH",
        f"/users/{PENDING_RESIDENT.id}/status",
        {"status": "approved", "actor_user_id": MANAGER.id},
    )
    await replay.settle()
    apartment, welcome = replay.telegram.bot_messages(PENDING_RESIDENT.telegram_id)
    assert apartment["text"].startswith(plain(texts.APARTMENT_APPROVED, language, address="")[:2])
    assert welcome["text"] == plain(texts.USER_APPROVED, language)
    sent = replay.telegram.calls_to("sendMessage", chat_id=PENDING_RESIDENT.telegram_id)
    assert "keyboard" in sent[-1].params["reply_markup"]  # their main menu comes with it

    # Blocked: the notice, and the menu keyboard removed.
    await service(
        replay,
        "user",
        "PATCH",
        f"/users/{PENDING_RESIDENT.id}/status",
        {"status": "blocked", "actor_user_id": MANAGER.id},
    )
    await replay.settle()
    blocked = _last(replay, PENDING_RESIDENT)
    assert blocked["text"] == plain(texts.USER_BLOCKED, language)
    sent = replay.telegram.calls_to("sendMessage", chat_id=PENDING_RESIDENT.telegram_id)
    assert sent[-1].params["reply_markup"]["remove_keyboard"] is True

    # Shift assigned (emitted as the shift service would) and starting in 30 minutes (the fakes
    # emit it by their clock: the electrician's shift starts soon).
    shift = world.shifts[SHIFTS["tomorrow"]]
    world.events.emit(
        "shift.assigned",
        {"shift": shift_view(shift)},
        f"shift:{shift.id}:assigned:{shift.executor_user_id}",
        "shift-service",
    )
    await replay.settle()
    owner = next(p for p in (PLUMBER, ELECTRICIAN) if p.id == shift.executor_user_id)
    notice = _last(replay, owner)
    assert notice["text"].startswith(
        plain(texts.SHIFT_ASSIGNED, language, start="", end="", location="")[:5]
    )
    assert buttons(notice) == [(plain(texts.BTN_SHIFT, language), f"shv:{shift.id}")]
    soon = world.shifts[SHIFTS["electrician_soon"]]
    starting = [
        m
        for m in replay.telegram.bot_messages(ELECTRICIAN.telegram_id)
        if (b := buttons(m)) and b[0][1] == f"shv:{soon.id}" and m is not notice
    ]
    assert starting and starting[0]["text"].startswith(
        plain(texts.SHIFT_STARTING, language, start="", end="", location="")[:5]
    )
