"""The buttons of a rendered notice: the features' own callback data, and a notice still goes out
(without the button) when the event carries a value the button's data refuses."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardMarkup

from workers.bot.core.cards.callbacks import ApplicantCardCB, ExecutorCardCB, ManagerCardCB
from workers.bot.notifications.model import Notice, Recipient
from workers.bot.notifications.render import render

NUMBER = "250101-007"


def _notice(kind: str, role: str, request: dict[str, Any]) -> Notice:
    payload = {"request": {"status_version": 3, **request}, "comment": "?"}
    to = Recipient(id=1, tg=100, lang="ru", role=role)
    return Notice(notification=1, kind=kind, key="e1:1", to=to, event={"payload": payload})


def _data(markup: object) -> list[list[str | None]]:
    assert isinstance(markup, InlineKeyboardMarkup)
    return [[b.callback_data for b in row] for row in markup.inline_keyboard]


@pytest.mark.parametrize(
    ("kind", "role", "card"),
    [
        ("executor.assigned", "executor", ExecutorCardCB(number=NUMBER)),
        ("manager.new", "manager", ManagerCardCB(number=NUMBER)),
        ("applicant.status", "applicant", ApplicantCardCB(act="v", number=NUMBER)),
    ],
)
def test_open_opens_the_roles_card(kind: str, role: str, card: CallbackData) -> None:
    rendered = render(_notice(kind, role, {"request_number": NUMBER}))
    assert _data(rendered.markup) == [[card.pack()]]


def test_reply_carries_the_version_the_notice_showed() -> None:
    rendered = render(_notice("applicant.clarification", "applicant", {"request_number": NUMBER}))
    assert _data(rendered.markup) == [[f"rq:rep:{NUMBER}:3:"], [f"rq:v:{NUMBER}:0:"]]


def test_a_number_outside_the_contract_leaves_the_button_out() -> None:
    rendered = render(_notice("executor.assigned", "executor", {"request_number": "x:/../1"}))
    assert "x:/../1" in rendered.text
    assert _data(rendered.markup) == []
