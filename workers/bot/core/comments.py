"""The comment thread's entry points on every request card (applicant, executor, manager).

Cards add :func:`comments_row`; the comments feature (``workers.bot.features.comments``) handles
the buttons: **Comments** (R11, paged, oldest first, internal ones only for staff) and **Write a
comment** (R12). Callback data: ``cm:<number>:<page>`` and ``cw:<number>``.

:class:`CommentStep` is a step that takes one typed comment on a request (R12, key
``upd:<update_id>``): the thread's **Write a comment**, and the applicant's reply to a manager's
question on their card. Each keeps its own texts, limit and log event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from aiogram import Bot
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import InlineKeyboardButton, Message
from pydantic import Field

from shared.clients import ServiceClients
from shared.clients.errors import ServiceError
from shared.logs import get_logger
from workers.bot.core import ui
from workers.bot.core.auth import AuthContext
from workers.bot.core.ui.errors import SupportSource
from workers.bot.core.ui.i18n import tr
from workers.bot.locales import N_

__all__ = [
    "BTN_COMMENTS",
    "BTN_WRITE_COMMENT",
    "CommentStep",
    "CommentWriteCB",
    "CommentsCB",
    "comments_row",
]

log = get_logger(__name__)

NUMBER: Final = r"^\d{6}-\d{3,7}$"
BTN_COMMENTS: Final = N_("💬 Комментарии")
BTN_WRITE_COMMENT: Final = N_("✍️ Написать комментарий")


class CommentsCB(CallbackData, prefix="cm"):
    number: str = Field(pattern=NUMBER)
    page: int = Field(default=1, ge=1, le=99_999)


class CommentWriteCB(CallbackData, prefix="cw"):
    number: str = Field(pattern=NUMBER)


def comments_row(number: str, locale: str | None = None) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=tr(BTN_COMMENTS, locale), callback_data=CommentsCB(number=number).pack()
        ),
        InlineKeyboardButton(
            text=tr(BTN_WRITE_COMMENT, locale),
            callback_data=CommentWriteCB(number=number).pack(),
        ),
    ]


@dataclass(frozen=True, slots=True)
class CommentStep:
    """A step waiting for one typed comment on a request whose number it keeps under ``key``."""

    step: State
    key: str  # where the FSM data keeps the request number
    limit: int
    ask: str  # msgid: {number}, {max}
    expected: str  # msgid: {max}
    too_long: str  # msgid: {length}, {max}
    refused: str  # the log event when the service refuses the comment

    async def start(self, bot: Bot, chat_id: int, state: FSMContext, number: str) -> None:
        """Enter the step for ``number`` and ask for the text (Cancel-only keyboard)."""
        await state.set_state(self.step)
        await state.set_data({self.key: number})
        text = ui.tr(self.ask, number=ui.escape(number), max=self.limit)
        await bot.send_message(chat_id, text, reply_markup=ui.cancel_keyboard())

    async def not_text(self, message: Message) -> None:
        await message.answer(ui.tr(self.expected, max=self.limit))

    async def post(
        self,
        message: Message,
        state: FSMContext,
        auth: AuthContext,
        clients: ServiceClients,
        update_id: int,
        support: SupportSource | None = None,
    ) -> str | None:
        """Write the typed text (R12); the request number once written. ``None`` when it was
        not: the step lost its number (the state is cleared), the text does not fit (asked
        again), or the service refused it (the state is cleared, the reason shown with the menu
        and ``support`` where it helps). A transient failure is raised: the update is retried
        and the FSM still holds the number, so the comment is not lost."""
        number = (await state.get_data()).get(self.key)
        text = (message.text or "").strip()
        if not isinstance(number, str) or auth.user is None:
            await state.clear()
            return None
        if not text:
            await self.not_text(message)
            return None
        if len(text) > self.limit:
            await message.answer(ui.tr(self.too_long, length=len(text), max=self.limit))
            return None
        try:
            await clients.requests.add_comment(
                number,
                author_user_id=auth.user.id,
                text=text,
                idempotency_key=f"upd:{update_id}",
            )
        except ServiceError as exc:
            if ui.is_transient(exc):
                raise
            log.info(self.refused, number=number, code=exc.code, status=exc.status)
            await state.clear()
            contact = await ui.support_contact(support)
            menu = await ui.main_menu(auth, clients)
            await message.answer(ui.error_message(exc, support=contact), reply_markup=menu)
            return None
        return number
