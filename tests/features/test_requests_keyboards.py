"""Every callback data factory of requests and acceptance packs into ≤ 64 bytes with the
largest values its fields allow, reads back what it packed, and refuses malformed data."""

from __future__ import annotations

import pytest
from aiogram.filters.callback_data import CallbackData

from workers.bot.core.ui import LABELS
from workers.bot.features.requests.acceptance.keyboards import AcceptListCb, RatingCb, ReturnCb
from workers.bot.features.requests.keyboards import Back, CardCb, CreateCb, ListCb

LONGEST_CATEGORY = max(LABELS["category"], key=len)
LONGEST_NUMBER = "991231-9999999"
BIGGEST_DRAFT = 2**53 - 1
BIGGEST_VERSION = 2**31 - 1
LONGEST_BACK = Back("list", "arc", LONGEST_CATEGORY, 99_999).pack()

LARGEST: list[CallbackData] = [
    *(CreateCb(act=act, draft=BIGGEST_DRAFT, val="y" * 24) for act in ("cat", "adr", "adp")),
    CreateCb(act="ed", draft=BIGGEST_DRAFT, val="description"),
    ListCb(group="arc", cat=LONGEST_CATEGORY, page=99_999, pick=True),
    *(
        CardCb(act=act, number=LONGEST_NUMBER, ver=BIGGEST_VERSION, back=LONGEST_BACK)
        for act in ("v", "cx", "cxy", "rep", "acc", "ret")
    ),
    CardCb(act="v", number=LONGEST_NUMBER, back=Back("accept", page=99_999).pack()),
    AcceptListCb(page=99_999),
    RatingCb(number=LONGEST_NUMBER, ver=BIGGEST_VERSION, rating=5),
    *(ReturnCb(act=act, draft=BIGGEST_DRAFT, val="done") for act in ("md", "ok", "no")),
]


@pytest.mark.parametrize("data", LARGEST, ids=lambda d: type(d).__name__)
def test_the_largest_values_fit_and_read_back(data: CallbackData) -> None:
    packed = data.pack()
    assert len(packed.encode()) <= 64, packed
    assert type(data).unpack(packed) == data


@pytest.mark.parametrize(
    ("factory", "raw"),
    [
        (CardCb, "rq:v:not-a-number:0:"),
        (CardCb, "rq:zz:250114-007:0:"),
        (RatingCb, "rt:250114-007:3:6"),
        (RatingCb, "rt:250114-007:3:0"),
        (CreateCb, "cr:cat:-1:plumbing"),
        (ListCb, "rl:everything::1:0"),
        (ReturnCb, "rr:md:1"),
    ],
)
def test_malformed_data_does_not_parse(factory: type[CallbackData], raw: str) -> None:
    with pytest.raises((TypeError, ValueError)):
        factory.unpack(raw)


def test_the_way_back_round_trips_and_tolerates_garbage() -> None:
    for back in (Back("list", "act", "plumbing", 3), Back("accept", page=7), Back()):
        assert Back.unpack(back.pack()) == back
    assert len(LONGEST_BACK) <= 24
    for garbage in ("l.x.y", "a.z", "q.1", "l.zzz.plumbing.2", ""):
        assert Back.unpack(garbage) == Back()
