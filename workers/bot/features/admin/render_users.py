"""/users: the list with its filters, the user card, the block confirm and the toggle screens."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, NamedTuple

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from shared.clients.models import Page, User, UserAddress
from workers.bot.core import ui
from workers.bot.core.vocabulary import is_staff_role
from workers.bot.features.admin import texts
from workers.bot.features.admin.keyboards import (
    ROLE_ORDER,
    SPEC_ORDER,
    InviteNewCB,
    ListView,
    RejectLinkCB,
    RolesCB,
    RolesSaveCB,
    SearchCB,
    SpecsCB,
    SpecsSaveCB,
    UserActionCB,
    UserCardCB,
    UsersCB,
    btn,
    markup,
    to_mask,
)
from workers.bot.features.admin.render_requests import person_name

__all__ = [
    "block_confirm",
    "roles_screen",
    "specs_screen",
    "user_card",
    "users_list",
]

_STATUS_FILTERS: Final = (
    ("pending", texts.BTN_FILTER_PENDING),
    ("approved", texts.BTN_FILTER_APPROVED),
    ("blocked", texts.BTN_FILTER_BLOCKED),
    (None, texts.BTN_FILTER_ALL),
)


def _mark(current: bool, text: str) -> str:
    return f"• {text}" if current else text


def _filters_text(view: ListView, search: str | None) -> str:
    parts = [
        ui.user_status_label(view.status) if view.status else ui.tr(texts.ALL_STATUSES),
        ui.role_label(view.role) if view.role else ui.tr(texts.ALL_ROLES),
    ]
    if search:
        parts.append(ui.tr(texts.USERS_SEARCH_FILTER, query=ui.safe(search, 64)))
    return ", ".join(parts)


def _line(user: User) -> str:
    return ui.tr(
        texts.USER_LINE,
        name=ui.safe(person_name(user), 60),
        username=f" · @{ui.safe(user.username, 40)}" if user.username else "",
        status=ui.user_status_label(user.status),
        roles=", ".join(ui.role_label(r) for r in user.roles) or "—",
    )


def users_list(
    page: Page[User], view: ListView, search: str | None
) -> tuple[str, InlineKeyboardMarkup]:
    filters = _filters_text(view, search)
    if page.items:
        title = ui.tr(texts.USERS_TITLE, filters=filters, total=ui.fmt_count(page.total))
        text = "\n".join([title, "", *(_line(u) for u in page.items)])
    else:
        text = ui.tr(texts.USERS_EMPTY, filters=filters)
    ctx = view.pack()
    people = [
        btn(ui.truncate(person_name(u), 40), UserCardCB(user_id=u.id, ctx=ctx)) for u in page.items
    ]
    rows: list[list[InlineKeyboardButton]] = [people[i : i + 2] for i in range(0, len(people), 2)]
    rows.append(
        ui.pager_row(page.page, page.pages, lambda p: UsersCB(ctx=view.with_(page=p).pack()))
    )
    rows.append(
        [
            btn(
                _mark(status == view.status, ui.tr(label)),
                UsersCB(ctx=view.with_(status=status, page=1).pack()),
            )
            for status, label in _STATUS_FILTERS
        ]
    )
    roles = [
        btn(
            _mark(role == view.role, ui.role_label(role)),
            UsersCB(ctx=view.with_(role=role, page=1).pack()),
        )
        for role in ROLE_ORDER
    ]
    roles.append(
        btn(
            _mark(view.role is None, ui.tr(texts.BTN_ROLE_ANY)),
            UsersCB(ctx=view.with_(role=None, page=1).pack()),
        )
    )
    rows += [roles[:3], roles[3:]]
    tools = [btn(ui.tr(texts.BTN_SEARCH), SearchCB(ctx=ctx))]
    if view != ListView():
        tools.append(btn(ui.tr(texts.BTN_RESET), UsersCB(ctx=ListView().pack())))
    rows.append(tools)
    rows.append([btn(ui.tr(texts.BTN_INVITE), InviteNewCB())])
    return text, markup(rows)


def _link_line(link: UserAddress) -> str:
    address = ", ".join(
        [
            link.yard_name,
            link.building_address,
            ui.tr(texts.APARTMENT, number=link.apartment_number),
        ]
    )
    status = ui.link_status(link.status)
    return ui.tr(texts.LINK_LINE, address=ui.safe(address, 150), status=status)


def user_card(
    user: User, links: Sequence[UserAddress], view: ListView
) -> tuple[str, InlineKeyboardMarkup]:
    text = ui.tr(
        texts.USER_CARD,
        name=ui.safe(person_name(user), 100),
        username=f"@{ui.safe(user.username, 60)}" if user.username else "—",
        phone=ui.safe(user.phone or "—", 20),
        status=ui.user_status_label(user.status),
        roles=", ".join(ui.role_label(r) for r in user.roles) or "—",
        specializations=", ".join(ui.specialization_label(s) for s in user.specializations) or "—",
    )
    if links:
        # At most 10 lines of ≤ 180 characters: the card stays far below 4096.
        shown = "\n".join(_link_line(link) for link in links[:10])
        text += "\n\n" + ui.tr(texts.USER_LINKS, links=shown)
    ctx = view.pack()
    rows: list[list[InlineKeyboardButton]] = []
    if user.status == "pending":
        rows.append(
            [btn(ui.tr(texts.BTN_APPROVE), UserActionCB(user_id=user.id, act="apr", ctx=ctx))]
        )
    rows += [
        [
            btn(
                ui.tr(texts.BTN_REJECT_LINK, apartment=ui.truncate(link.apartment_number, 10)),
                RejectLinkCB(user_id=user.id, apartment_id=link.apartment_id, ctx=ctx),
            )
        ]
        for link in links
        if link.status == "pending"
    ]
    if user.status == "blocked":
        block = btn(ui.tr(texts.BTN_UNBLOCK), UserActionCB(user_id=user.id, act="ubl", ctx=ctx))
    else:
        block = btn(ui.tr(texts.BTN_BLOCK), UserActionCB(user_id=user.id, act="blk", ctx=ctx))
    rows.append(
        [
            btn(
                ui.tr(texts.BTN_ROLES),
                RolesCB(user_id=user.id, mask=to_mask(user.roles, ROLE_ORDER), ctx=ctx),
            ),
            btn(
                ui.tr(texts.BTN_SPECIALIZATIONS),
                SpecsCB(user_id=user.id, mask=to_mask(user.specializations, SPEC_ORDER), ctx=ctx),
            ),
        ]
    )
    rows.append([block])
    rows.append([btn(ui.tr(texts.BTN_TO_LIST), UsersCB(ctx=ctx))])
    return text, markup(rows)


def block_confirm(user: User, view: ListView) -> tuple[str, InlineKeyboardMarkup]:
    name = ui.safe(person_name(user), 100)
    blocking = user.status != "blocked"
    text = ui.tr(texts.ASK_BLOCK if blocking else texts.ASK_UNBLOCK, name=name)
    ctx = view.pack()
    rows = [
        [
            btn(
                ui.tr(texts.BTN_YES),
                UserActionCB(user_id=user.id, act="bly" if blocking else "uby", ctx=ctx),
            ),
            btn(ui.tr(texts.BTN_NO), UserCardCB(user_id=user.id, ctx=ctx)),
        ]
    ]
    return text, markup(rows)


def _toggles(
    keys: Sequence[str],
    chosen: int,
    order: tuple[str, ...],
    label: Callable[[str], str],
    data: Callable[[int], CallbackData],
) -> list[InlineKeyboardButton]:
    """One button per key, checked when its bit is set; a press flips that bit."""
    out = []
    for key in keys:
        bit = 1 << order.index(key)
        text = texts.CHECKED if chosen & bit else texts.UNCHECKED
        out.append(btn(ui.tr(text, label=label(key)), data(chosen ^ bit)))
    return out


class _Picker(NamedTuple):
    """A toggle screen's own parts: its buttons' data, its question, buttons per row."""

    toggle: Callable[..., CallbackData]
    save: Callable[..., CallbackData]
    ask: str
    columns: int


def roles_screen(
    user: User, mask: int, view: ListView, *, may_grant_staff: bool
) -> tuple[str, InlineKeyboardMarkup]:
    keys = [r for r in ROLE_ORDER if may_grant_staff or not is_staff_role(r)]
    picker = _Picker(toggle=RolesCB, save=RolesSaveCB, ask=texts.ROLES_ASK, columns=2)
    return _mask_screen(user, mask, view, keys, ROLE_ORDER, ui.role_label, picker)


def specs_screen(user: User, mask: int, view: ListView) -> tuple[str, InlineKeyboardMarkup]:
    picker = _Picker(toggle=SpecsCB, save=SpecsSaveCB, ask=texts.SPECS_ASK, columns=3)
    return _mask_screen(user, mask, view, SPEC_ORDER, SPEC_ORDER, ui.specialization_label, picker)


def _mask_screen(
    user: User,
    mask: int,
    view: ListView,
    keys: Sequence[str],
    order: tuple[str, ...],
    label: Callable[[str], str],
    picker: _Picker,
) -> tuple[str, InlineKeyboardMarkup]:
    """The ticks of ``keys`` (bits of ``mask`` in ``order``), then Save and Back."""
    toggle, save, ask, columns = picker
    ctx = view.pack()
    buttons = _toggles(keys, mask, order, label, lambda m: toggle(user_id=user.id, mask=m, ctx=ctx))
    rows = [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
    rows.append(
        [
            btn(ui.tr(texts.BTN_SAVE), save(user_id=user.id, mask=mask, ctx=ctx)),
            btn(ui.tr(texts.BTN_BACK), UserCardCB(user_id=user.id, ctx=ctx)),
        ]
    )
    return ui.tr(ask, name=ui.safe(person_name(user), 100)), markup(rows)
