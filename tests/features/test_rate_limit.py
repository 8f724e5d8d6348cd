"""The per-user rate limit as users meet it, through the running system (RU and UZ): navigation
commands, menu taps and flow answers do not count as commands; every refusal says when the user
may go on, one notice per window for messages, and every button press gets the time left."""

from __future__ import annotations

import re

import pytest

from devkit.fakes.seed import NEIGHBOUR, RESIDENT
from tests.features.executor.helpers import alerts, assert_each_query_answered_once, toasts, tx
from tests.replay_plugin import Replay
from workers.bot.core import texts as runtime_texts

LIMITS = {
    "RATE_LIMIT_COMMANDS_PER_MINUTE": "2",
    "RATE_LIMIT_MESSAGES_PER_MINUTE": "12",
    "RATE_LIMIT_MESSAGES_PER_HOUR": "1000",
}
PEOPLE = {"ru": (NEIGHBOUR, "Мои заявки"), "uz": (RESIDENT, "Mening arizalarim")}


def _seconds(template: str, language: str, text: str) -> int:
    """The seconds a notice names, checking the rest of it against the catalog's text."""
    pattern = re.escape(tx(template, language, seconds="<s>")).replace("<s>", r"(\d+)")
    found = re.fullmatch(pattern, text)
    assert found is not None, text
    return int(found.group(1))


@pytest.mark.replay(env=LIMITS)
@pytest.mark.parametrize("language", ["ru", "uz"])
async def test_a_busy_user_is_told_when_to_go_on(replay: Replay, language: str) -> None:
    who, my_requests = PEOPLE[language]
    replay.services.users[who.id].language_code = language
    user = replay.user(who.telegram_id, "Resident", language_code=language)

    # Navigation commands are not work commands: none of them is refused however many come.
    for name in ("help", "menu", "cancel", "help", "menu"):
        assert (await replay.command(user, name)).texts
    # Menu taps are messages, not commands.
    for _ in range(2):
        assert (await replay.text(user, my_requests)).texts
    # Two work commands pass (the limit here is 2 a minute); the third is refused, saying when.
    number = replay.services.seed_requests["new"]
    assert (await replay.command(user, "my_requests")).texts
    assert (await replay.command(user, "request_status", number)).texts
    turn = await replay.command(user, "my_requests")
    assert len(turn.texts) == 1
    assert 1 <= _seconds(runtime_texts.SLOW_DOWN_COMMANDS, language, turn.text) <= 60
    # One notice per window: the next command is not answered again (the notice said so) …
    assert (await replay.command(user, "my_requests")).texts == []
    # … while the menu button and the navigation commands go on working at once.
    assert (await replay.text(user, my_requests)).texts
    assert (await replay.command(user, "cancel")).texts
    # A description that starts with "/" is no command.
    assert (await replay.text(user, "/ кран течёт")).texts  # 12th message of the minute

    # The message window is full now. A press gets an alert with the seconds; it is this
    # window's notice, so typed text then waits unanswered (announced); later presses get the
    # seconds as a toast, never an empty answer.
    listed = next(
        m
        for m in reversed(replay.telegram.bot_messages(user.chat_id))
        if (m.get("reply_markup") or {}).get("inline_keyboard")
    )
    turn = await replay.press_at(user, listed, 0)
    assert len(alerts(turn)) == 1
    assert 1 <= _seconds(runtime_texts.SLOW_DOWN, language, alerts(turn)[0]) <= 60
    assert (await replay.text(user, "hello")).texts == []
    turn = await replay.press_at(user, listed, 0)
    assert alerts(turn) == [] and len(toasts(turn)) == 1
    assert 1 <= _seconds(runtime_texts.SLOW_DOWN, language, toasts(turn)[0]) <= 60
    assert_each_query_answered_once(replay)


@pytest.mark.replay(env=LIMITS)
@pytest.mark.parametrize("language", ["ru", "uz"])
async def test_typed_messages_get_one_notice_per_window(replay: Replay, language: str) -> None:
    who, _ = PEOPLE[language]
    replay.services.users[who.id].language_code = language
    user = replay.user(who.telegram_id, "Resident", language_code=language)
    for index in range(12):
        assert (await replay.text(user, f"text {index}")).texts  # the fallback answers
    turn = await replay.text(user, "one more")
    assert len(turn.texts) == 1
    assert 1 <= _seconds(runtime_texts.SLOW_DOWN, language, turn.text) <= 60
    assert (await replay.text(user, "and more")).texts == []
    assert (await replay.command(user, "help")).texts == []
