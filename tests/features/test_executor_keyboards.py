"""Callback data of the staff features (executor, shifts, admin) fits Telegram's 64 bytes with
the largest values each field can take, survives a round trip, and no prefix is used twice."""

from __future__ import annotations

import pytest
from aiogram.filters.callback_data import CallbackData

from workers.bot.features.admin import keyboards as admin
from workers.bot.features.executor import keyboards as executor
from workers.bot.features.shifts import keyboards as shifts

MAX_ID = 2_147_483_647  # the services' ids are 32-bit
NUMBER = "991231-99999"  # YYMMDD-NNN, and the sequence may grow past 999
VERSION = 9_999_999
PAGE = 99_999
KEY = "A" * 12  # an inline_keyboard_cache key
CTX = admin.ListView("pending", "applicant", PAGE, KEY).pack()

LARGEST: list[CallbackData] = [
    executor.ListCB(page=PAGE),
    executor.CardCB(number=NUMBER, page=PAGE),
    executor.ActionCB(number=NUMBER, version=VERSION, action="cmp"),
    executor.FinishCB(),
    executor.PoolCB(page=PAGE),
    executor.ClaimCB(number=NUMBER, version=VERSION, page=PAGE),
    shifts.MyShiftsCB(),
    shifts.ShiftCB(shift_id=MAX_ID),
    shifts.WeekCB(monday="2099-12-28"),
    shifts.AvailableCB(page=PAGE),
    shifts.PickCB(shift_id=MAX_ID, page=PAGE),
    shifts.TakeCB(shift_id=MAX_ID, page=PAGE),
    shifts.StartCB(shift_id=MAX_ID),
    shifts.EndAskCB(shift_id=MAX_ID),
    shifts.EndCB(shift_id=MAX_ID),
    shifts.KeepCB(),
    admin.RequestListCB(tab="c", page=PAGE),
    admin.RequestCardCB(number=NUMBER, tab="c", page=PAGE),
    admin.ManagerActionCB(number=NUMBER, version=VERSION, act="cnl"),
    admin.AssignGroupCB(number=NUMBER, version=VERSION, spec="landscaping"),
    admin.ExecutorsCB(number=NUMBER, version=VERSION, page=PAGE),
    admin.AssignExecutorCB(number=NUMBER, version=VERSION, user_id=MAX_ID),
    admin.UsersCB(ctx=CTX),
    admin.SearchCB(ctx=CTX),
    admin.UserCardCB(user_id=MAX_ID, ctx=CTX),
    admin.UserActionCB(user_id=MAX_ID, act="uby", ctx=CTX),
    admin.RejectLinkCB(user_id=MAX_ID, apartment_id=MAX_ID, ctx=CTX),
    admin.RolesCB(user_id=MAX_ID, mask=15, ctx=CTX),
    admin.RolesSaveCB(user_id=MAX_ID, mask=15, ctx=CTX),
    admin.SpecsCB(user_id=MAX_ID, mask=511, ctx=CTX),
    admin.SpecsSaveCB(user_id=MAX_ID, mask=511, ctx=CTX),
    admin.InviteNewCB(),
    admin.InviteSpecsCB(role="executor", mask=511),
    admin.InviteTimeCB(role="applicant", mask=511),
    admin.InviteHoursCB(role="applicant", mask=511, hours=168),
    admin.AnalyticsCB(days=90),
    admin.SettingsCB(act="muz"),
]


@pytest.mark.parametrize("data", LARGEST, ids=lambda d: type(d).__name__)
def test_callback_data_fits_and_round_trips(data: CallbackData) -> None:
    packed = data.pack()
    assert len(packed.encode()) <= 64, (packed, len(packed.encode()))
    assert type(data).unpack(packed) == data


def test_every_factory_is_covered_and_prefixes_are_unique() -> None:
    factories = {
        value
        for module in (executor, shifts, admin)
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, CallbackData) and value is not CallbackData
    }
    assert factories == {type(d) for d in LARGEST}
    prefixes = [f.__prefix__ for f in factories]
    assert len(prefixes) == len(set(prefixes))


@pytest.mark.parametrize(
    "view",
    [
        admin.ListView(),
        admin.ListView(None, None, 3, ""),
        admin.ListView("blocked", "admin", 12, KEY),
    ],
)
def test_list_views_round_trip(view: admin.ListView) -> None:
    assert admin.ListView.unpack(view.pack()) == view


@pytest.mark.parametrize("junk", ["", "x.-.1.", "p.zz.1.", "p.-.one.", "p.-.1." + "k" * 17])
def test_list_views_refuse_what_no_button_carried(junk: str) -> None:
    with pytest.raises(ValueError):
        admin.ListView.unpack(junk)


def test_masks_keep_the_order() -> None:
    chosen = ["plumber", "repair", "electrician"]
    mask = admin.to_mask(chosen, admin.SPEC_ORDER)
    assert admin.from_mask(mask, admin.SPEC_ORDER) == ["electrician", "plumber", "repair"]
    assert admin.from_mask(0, admin.ROLE_ORDER) == []
