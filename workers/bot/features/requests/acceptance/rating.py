"""Accept: the card's **Accept** → a rating 1..5 → R9 → thanks (and the menu, whose badge
changed). The rating button carries the ``status_version`` it was made for; R9's key
``accept:<number>:<version>:<user_id>`` collapses a double tap (the actor is in the key because
a neighbour from the same flat may accept too, and keys are scoped per calling service)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery

from shared.clients import ServiceClients
from shared.clients.errors import ServiceConflict, ServiceError
from shared.logs import get_logger
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.gateway_settings import GatewaySettingsStore
from workers.bot.core.ui import texts as ui_texts
from workers.bot.features.requests.acceptance import texts
from workers.bot.features.requests.acceptance.keyboards import RatingCb
from workers.bot.features.requests.acceptance.listing import FLAGS
from workers.bot.features.requests.acceptance.render import rating_markup
from workers.bot.features.requests.card import actionable, show_card
from workers.bot.features.requests.card_data import load_card
from workers.bot.features.requests.keyboards import Back, CardCb
from workers.bot.features.requests.render_card import stars
from workers.bot.features.requests.support import chat_of

__all__ = ["router"]

log = get_logger(__name__)
router = Router(name="acceptance.rating")
_CONFIRMED = frozenset({"confirmed"})


@router.callback_query(CardCb.filter(F.act == "acc"), flags=FLAGS)
async def on_accept(
    query: CallbackQuery, callback_data: CardCb, auth: AuthContext, clients: ServiceClients
) -> None:
    view = await actionable(query, callback_data, auth, clients, _CONFIRMED)
    if view is None:
        return
    text = ui.tr(texts.ASK_RATING, number=ui.escape(callback_data.number))
    await ui.edit_or_send(query, text, rating_markup(view.request, callback_data.back))


@router.callback_query(RatingCb.filter(), flags=FLAGS)
async def on_rating(
    query: CallbackQuery,
    callback_data: RatingCb,
    auth: AuthContext,
    clients: ServiceClients,
    bot: Bot,
    gateway_settings: GatewaySettingsStore | None = None,
) -> None:
    number, version = callback_data.number, callback_data.ver
    check = CardCb(act="acc", number=number, ver=version)
    view = await actionable(query, check, auth, clients, _CONFIRMED)
    if view is None or auth.user is None:
        return
    try:
        await clients.requests.accept(
            number,
            actor_user_id=auth.user.id,
            rating=callback_data.rating,
            status_version=version,
            idempotency_key=f"accept:{number}:{version}:{auth.user.id}",
        )
    except ServiceError as exc:
        if ui.is_transient(exc):
            raise
        log.info("request_accept_refused", number=number, code=exc.code, status=exc.status)
        if isinstance(exc, ServiceConflict):
            fresh = await load_card(clients, auth, number)
            await show_card(query, fresh, number, Back(), note=ui.tr(ui_texts.ERR_CHANGED))
            return
        support = await ui.support_contact(gateway_settings)
        await bot.send_message(chat_of(query), ui.error_message(exc, support=support))
        return
    log.info("request_accepted", number=number, rating=callback_data.rating)
    await show_card(query, await load_card(clients, auth, number), number, Back())
    thanks = ui.tr(texts.THANKS, number=ui.escape(number), stars=stars(callback_data.rating))
    await bot.send_message(chat_of(query), thanks, reply_markup=await ui.main_menu(auth, clients))
