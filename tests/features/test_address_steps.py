"""The address steps, in RU and UZ: the create-request address step pages its addresses by 8 in
place, and an apartment the user already has a link to is answered with that link's state."""

from __future__ import annotations

import dataclasses

import pytest

from devkit.fakes import seed
from devkit.fakes.entities import ApartmentLink
from tests.features.executor.helpers import tx
from tests.replay_plugin import Replay
from workers.bot.core import onboarding as onboarding_texts
from workers.bot.core.ui import category_label
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.onboarding import texts as onboarding
from workers.bot.features.requests import texts as requests

LANGUAGES = ("ru", "uz")
# Approved links of the neighbour besides their flat 105: 12 addresses in all (each flat, its
# building and its yard, no repeats), so the step has two pages.
EXTRA_FLATS = (101, 102, 103, 104, 201, 301)


def _addresses(buttons: list[str], language: str, page: int) -> list[str]:
    """The address buttons of a page of two; the pager row must be there."""
    pager = tx(ui_texts.PAGE_OF, language, page=page, pages=2)
    assert pager in buttons, buttons
    return [b for b in buttons if b not in ("◀", "▶", pager)]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_the_address_step_pages_by_eight_in_place(replay: Replay, language: str) -> None:
    world = replay.services
    now = world.now()
    for flat in EXTRA_FLATS:
        world.links[(seed.NEIGHBOUR.id, flat)] = ApartmentLink(
            seed.NEIGHBOUR.id, flat, "approved", now, reviewed_at=now
        )
    world.users[seed.NEIGHBOUR.id].language_code = language
    user = replay.user(seed.NEIGHBOUR.telegram_id, "Malika", language_code=language)
    await replay.command(user, "create_request")
    turn = await replay.press(user, category_label("plumbing", language))
    assert turn.text.startswith(tx(requests.STEP_ADDRESS, language))
    first_page = _addresses(turn.buttons(), language, 1)
    assert len(first_page) == 8
    message_id = turn.ok_calls[-1].params["message_id"]

    turn = await replay.press(user, "▶")
    assert turn.methods == ["answerCallbackQuery", "editMessageText"]
    assert turn.ok_calls[-1].params["message_id"] == message_id  # the same message
    second_page = _addresses(turn.buttons(), language, 2)
    assert len(second_page) == 4 and not set(first_page) & set(second_page)

    turn = await replay.press(user, second_page[0])
    assert tx(requests.STEP_DESCRIPTION, language, min=10, max=2000) in turn.text


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_apartment_already_linked_is_answered_with_its_state(
    replay: Replay, language: str
) -> None:
    world = replay.services
    telegram_id = 777_300 + LANGUAGES.index(language)
    user = replay.user(telegram_id, "Ali", language_code=language)
    await replay.command(user, "start")
    await replay.press(user, tx(onboarding.BTN_RESIDENT, language))
    turn = await replay.text(user, tx(onboarding_texts.BTN_SELECT_APARTMENT, language))
    assert turn.text == tx(onboarding.PICK_YARD, language)
    await replay.press(user, "Chilonzor-9")
    await replay.press(user, "Bunyodkor shoh ko'chasi 5")
    turn = await replay.press(user, "3")
    assert turn.buttons()[0] == tx(onboarding.BTN_CONFIRM, language)
    # Meanwhile the link was made and approved (another device, a manager's hand).
    created = world.user_by_telegram(telegram_id)
    assert created is not None
    now = world.now()
    world.links[(created.id, 303)] = ApartmentLink(created.id, 303, "approved", now)
    before = dataclasses.replace(world.links[(created.id, 303)])

    turn = await replay.press(user, tx(onboarding.BTN_CONFIRM, language))
    status = tx(ui_texts.LINK_APPROVED, language)
    assert turn.text == tx(onboarding.APARTMENT_EXISTS, language, status=status)
    assert world.links[(created.id, 303)] == before  # nothing new, nothing changed
    assert [k.apartment_id for k in world.links_of(created.id)] == [303]
