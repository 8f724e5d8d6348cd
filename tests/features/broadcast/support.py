"""Helpers of the broadcast tests: extra residents in the fake world, the flow up to the preview,
and what the bot delivered."""

from __future__ import annotations

import datetime as dt
from typing import Any

from devkit.fakes.entities import ApartmentLink, UserRec
from devkit.fakes.telegram import SimulatedUser
from devkit.tools.results import Turn
from tests.features.executor.helpers import tx
from tests.replay_plugin import Replay
from workers.bot.core.broadcast import texts as card_texts
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.broadcast import texts

__all__ = ["add_residents", "card_calls", "compose", "delivered", "final_card"]


def add_residents(replay: Replay, count: int, *, first_tg: int = 700_001) -> list[int]:
    """``count`` approved residents of building 1 (apartment 101) with chats; their Telegram ids."""
    world = replay.services
    now = world.now()
    ids: list[int] = []
    for n in range(count):
        user_id = 50_000 + n
        tg = first_tg + n
        world.users[user_id] = UserRec(
            id=user_id,
            telegram_id=tg,
            first_name=f"Resident{n}",
            status="approved",
            roles=["applicant"],
            active_role="applicant",
            language_code="ru",
            created_at=now - dt.timedelta(days=1, seconds=n),
            updated_at=now,
        )
        world.links[(user_id, 101)] = ApartmentLink(user_id, 101, "approved", now)
        replay.user(tg, f"Resident{n}")
        ids.append(tg)
    return ids


async def compose(
    replay: Replay, user: SimulatedUser, language: str, message: str, *audience: str
) -> Turn:
    """Menu button → text → the audience buttons given (their texts) → the preview turn."""
    turn = await replay.text(user, tx(ui_texts.BTN_BROADCAST, language))
    assert turn.texts[-1].startswith(tx(texts.ASK_TEXT, language, limit=4096, caption_limit=1024))
    turn = await replay.text(user, message)
    assert turn.texts == [tx(texts.ASK_AUDIENCE, language)]
    for label in audience:
        turn = await replay.press(user, label)
    return turn


def delivered(replay: Replay, chat_id: int, method: str = "sendMessage") -> list[dict[str, Any]]:
    return [c.params for c in replay.telegram.calls_to(method, chat_id=chat_id, ok=True)]


def card_calls(replay: Replay, chat_id: int) -> list[str]:
    return [
        str(c.params.get("text"))
        for c in replay.telegram.calls
        if c.ok
        and c.params.get("chat_id") == chat_id
        and "№" in str(c.params.get("text") or "")
        and c.method in ("sendMessage", "editMessageText")
    ]


async def final_card(
    replay: Replay,
    chat_id: int,
    language: str,
    *,
    cancelled: bool = False,
    timeout: float = 20,  # noqa: ASYNC109 - a deadline is part of the assertion
) -> str:
    marker = tx(card_texts.CARD_CANCELLED if cancelled else card_texts.CARD_DONE, language)
    head = marker.split("\n", 1)[0].split("}", 1)[1]  # "</b> · завершена"
    call = await replay.telegram.wait_for(
        lambda c: (
            c.ok
            and c.method == "editMessageText"
            and c.params.get("chat_id") == chat_id
            and head in str(c.params.get("text") or "")
        ),
        timeout=timeout,
    )
    return str(call.params["text"])
