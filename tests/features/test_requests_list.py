"""/my_requests: 5 a page, newest first, filters and paging edited in place, the card."""

from __future__ import annotations

import pytest

from devkit.fakes import seed
from tests.features.requests.support import (
    assert_every_callback_answered_once,
    t,
)
from tests.replay_plugin import Replay
from workers.bot.core import texts as runtime_texts
from workers.bot.core.ui import fmt_date
from workers.bot.core.ui import texts as ui_texts


async def test_the_applicants_list_in_uzbek_pages_filters_and_opens_cards(replay: Replay) -> None:
    world = replay.services
    numbers = world.seed_requests
    newest = world.requests[numbers["new"]]
    newest.description = "<script>alert(1)</script> " + "suv " * 30
    user = replay.user(seed.RESIDENT.telegram_id, "Aziz", language_code="uz")

    first = await replay.text(user, t(ui_texts.BTN_MY_REQUESTS, "uz"))
    text = first.text
    list_id = first.ok_calls[-1].result["message_id"]
    assert text.startswith("<b>Mening arizalarim</b> — 10")
    order = ["new", "new_electric", "in_progress", "purchase", "clarification"]
    positions = [text.index(f"<b>{numbers[key]}</b>") for key in order]
    assert positions == sorted(positions)
    assert numbers["done"] not in text
    expected_line = f"<b>{numbers['new']}</b> · Yangi · Santexnika · {fmt_date(newest.created_at)}"
    assert expected_line in text
    # The preview: 60 characters, whitespace collapsed, cut with "…", then escaped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; suv suv" in text
    preview_line = text.split(expected_line + "\n", 1)[1].split("\n", 1)[0]
    assert preview_line.endswith("…")
    assert len(preview_line.replace("&lt;", "<").replace("&gt;", ">")) == 60
    assert first.buttons()[:5] == [
        f"№ {numbers[key]} · {status}"
        for key, status in zip(
            order, ["Yangi", "Yangi", "Ishda", "Xarid", "Aniqlashtirish"], strict=True
        )
    ]
    page_of = t(ui_texts.PAGE_OF, "uz", page=1, pages=2)
    assert first.buttons()[5:] == ["• Hammasi", "Faol", "Arxiv", "Toifa", page_of, "▶"]

    turn = await replay.press(user, "▶")
    assert turn.methods == ["answerCallbackQuery", "editMessageText"]
    assert turn.ok_calls[-1].params["message_id"] == list_id
    assert f"<b>{numbers['accepted']}</b>" in turn.text
    assert f"<b>{numbers['new']}</b>" not in turn.text

    turn = await replay.press(user, "Arxiv")
    assert turn.ok_calls[-1].params["message_id"] == list_id
    assert turn.text.startswith("<b>Mening arizalarim</b> — 2\nFiltr: Arxiv")
    await replay.press(user, "Tozalash")
    turn = await replay.press(user, "Toifa")
    assert turn.text == "Toifani tanlang:"
    assert "Ventilyatsiya" in turn.buttons()  # every category, not only the 9 offered
    turn = await replay.press(user, "Isitish")
    assert turn.text.startswith("<b>Mening arizalarim</b> — 2\nFiltr: Hammasi · Isitish")
    assert "• Isitish" in turn.buttons()

    turn = await replay.press(user, f"№ {numbers['purchase']} · Xarid")
    assert turn.ok_calls[-1].params["message_id"] == list_id
    card = turn.text
    assert card.startswith(f"<b>№ {numbers['purchase']} ariza</b>\n<b>Holati:</b> Xarid")
    assert "<b>Ijrochi:</b> Bekzod Tursunov" in card
    assert "<b>Manzil:</b> Olmazor-1, Navoiy ko'chasi 12, 5-xonadon" in card
    # No applicant action while in purchase: the comment thread and the way back.
    assert turn.buttons() == ["💬 Izohlar", "✍️ Izoh yozish", "◀️ Ro'yxatga"]
    turn = await replay.press(user, "◀️ Ro'yxatga")
    assert "Filtr: Hammasi · Isitish" in turn.text
    assert {c.params["message_id"] for c in replay.telegram.calls_to("editMessageText")} == {
        list_id
    }
    assert_every_callback_answered_once(replay)


async def test_the_executor_sees_the_requests_assigned_to_them(replay: Replay) -> None:
    mine = [r for r in replay.services.requests.values() if r.executor_user_id == seed.PLUMBER.id]
    user = replay.user(seed.PLUMBER.telegram_id, "Bekzod", language_code="uz")
    turn = await replay.command(user, "my_requests")
    assert turn.text.startswith(f"<b>Mening arizalarim (ijrochi)</b> — {len(mine)}")
    assert replay.services.seed_requests["new"] not in turn.text  # unassigned


@pytest.mark.parametrize("locale", ["ru", "uz"])
async def test_who_may_not_list(replay: Replay, locale: str) -> None:
    replay.services.users[seed.MANAGER.id].language_code = locale
    replay.services.users[seed.PENDING_RESIDENT.id].language_code = locale
    manager = replay.user(seed.MANAGER.telegram_id, "Nodira", language_code=locale)
    assert (await replay.command(manager, "my_requests")).texts == [
        t(runtime_texts.ROLE_REFUSED, locale)
    ]
    pending = replay.user(seed.PENDING_RESIDENT.telegram_id, "Jasur", language_code=locale)
    assert (await replay.command(pending, "my_requests")).texts == [
        t(runtime_texts.AWAITING_APPROVAL, locale)
    ]


async def test_a_neighbour_without_requests_sees_an_empty_list(replay: Replay) -> None:
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika")
    turn = await replay.command(user, "my_requests")
    assert turn.text == "<b>Мои заявки</b> — 0\n\nЗаявок не найдено."
    assert turn.buttons() == ["• Все", "Активные", "Архив", "Категория"]
