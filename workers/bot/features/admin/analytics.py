"""/analytics: the N1 summary for the last 7, 30 or 90 days, switched in place.

Counts of zero are left out, labels come from the enum tables, and the period ends today
(Asia/Tashkent, by the gateway's clock: :mod:`shared.clock`, the fakes' one in development and
tests). The service checks the caller's role with their token.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Final

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from shared.clients import ServiceClients
from shared.clients.models import Summary
from shared.clock import Clock
from workers.bot.core import gate, ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.gate import STAFF
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.replies import answer
from workers.bot.core.ui import texts as ui_texts
from workers.bot.core.vocabulary import REQUEST_STATUSES
from workers.bot.features.admin import texts
from workers.bot.features.admin.keyboards import AnalyticsCB, btn, markup

__all__ = ["DEFAULT_DAYS", "PERIODS", "render_summary", "router"]

router = Router(name="admin-analytics")

PERIODS: Final = (7, 30, 90)
DEFAULT_DAYS: Final = 30
_ANALYTICS = gate.command("analytics", STAFF)
_STAFF = {"roles": STAFF}


def _section(
    title: str, counts: Mapping[str, int], label: Callable[[str], str], order: tuple[str, ...] = ()
) -> list[str]:
    keys = [k for k in order if k in counts] + [k for k in counts if k not in order]
    rows = [
        ui.tr(texts.ANALYTICS_ROW, label=ui.escape(label(k)), count=ui.fmt_count(counts[k]))
        for k in keys
        if counts[k]
    ]
    return ["", ui.tr(title), *rows] if rows else []


def render_summary(summary: Summary, days: int) -> tuple[str, InlineKeyboardMarkup]:
    req, users = summary.requests, summary.users
    lines = [
        ui.tr(
            texts.ANALYTICS_TITLE,
            days=days,
            start=ui.fmt_date(summary.period.start_date),
            end=ui.fmt_date(summary.period.end_date),
        ),
        ui.tr(texts.ANALYTICS_CREATED, count=ui.fmt_count(req.created)),
    ]
    if req.avg_rating is not None:
        lines.append(ui.tr(texts.ANALYTICS_RATING, rating=ui.fmt_number(req.avg_rating)))
    if req.avg_completion_hours is not None:
        lines.append(ui.tr(texts.ANALYTICS_HOURS, hours=ui.fmt_number(req.avg_completion_hours)))
    lines += _section(texts.ANALYTICS_BY_STATUS, req.by_status, ui.status_label, REQUEST_STATUSES)
    lines += _section(texts.ANALYTICS_BY_CATEGORY, req.by_category, ui.category_label)
    lines += _section(texts.ANALYTICS_BY_URGENCY, req.by_urgency, ui.urgency_label)
    lines += [
        "",
        ui.tr(
            texts.ANALYTICS_USERS,
            total=ui.fmt_count(users.total),
            new=ui.fmt_count(users.new_in_period),
        ),
    ]
    lines += _section(texts.ANALYTICS_USERS_BY_STATUS, users.by_status, ui.user_status_label)
    lines += _section(texts.ANALYTICS_USERS_BY_ROLE, users.by_role, ui.role_label)
    row = [
        btn(("• " if d == days else "") + ui.tr(texts.BTN_DAYS, days=d), AnalyticsCB(days=d))
        for d in PERIODS
    ]
    return "\n".join(lines), markup([row])


async def _summary(auth: AuthContext, clients: ServiceClients, clock: Clock, days: int) -> Summary:
    today = ui.to_local(await clock.now()).date()
    start = today - dt.timedelta(days=days - 1)
    return await auth.call(
        lambda token: clients.analytics.summary(token, start_date=start, end_date=today)
    )


@router.message(Command("analytics"), flags=_ANALYTICS)
@router.message(ui.menu_button(ui.MenuButton.ANALYTICS), flags=_ANALYTICS)
async def analytics(
    message: Message,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
    clock: Clock,
) -> None:
    summary = await _summary(auth, clients, clock, DEFAULT_DAYS)
    text, keyboard = render_summary(summary, DEFAULT_DAYS)
    await message.answer(text, reply_markup=keyboard)


@router.callback_query(AnalyticsCB.filter(), flags=_STAFF)
async def analytics_period(
    query: CallbackQuery,
    callback_data: AnalyticsCB,
    auth: AuthContext,
    clients: ServiceClients,
    gateway_settings: GatewaySettingsStore,
    clock: Clock,
) -> None:
    if callback_data.days not in PERIODS:
        await answer(query, ui.tr(ui_texts.OUTDATED), alert=True)
        return
    summary = await _summary(auth, clients, clock, callback_data.days)
    await ui.edit_or_send(query, *render_summary(summary, callback_data.days))
