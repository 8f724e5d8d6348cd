"""One rule for every step of every flow: a command or a main-menu button leaves the step.

A user halfway through a form who types ``/my_shifts`` or taps ``Мои смены`` on a keyboard that is
still on screen means that command, not an answer to the step (a manager's ``/users`` must not
become a cancellation reason). This outer middleware of the message observer sees the message
before any filter: when the chat is in an FSM state and the text is a ``/command`` or a main-menu
label (in either language, badge ignored), it takes the chat out of the step first, so the update
then reaches the command's handler exactly as if the user had been idle, and no step handler can
store it as input.

- /cancel and the Cancel button are left to their own handlers (they clear the step and the draft
  and say so); /help and /language (and their buttons) answer beside the step, which goes on;
  /start clears the state itself, as do the other commands that start a flow. All of these are
  handled by the first router, before any step's handler, so none is taken as input either.
- The form is not lost: its state and data are parked in the FSM data
  (:mod:`workers.bot.core.parked`) while the command runs; when the command leaves the chat idle
  with the form still parked, the user is offered it back (**Continue** / **Delete draft**).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject

from shared.logs import get_logger
from workers.bot.core import ui
from workers.bot.core.context import UpdateContext
from workers.bot.core.parked import offer_markup, park, parked
from workers.bot.core.ui import texts as ui_texts

__all__ = ["StepExitMiddleware", "leaves_step"]

log = get_logger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def _command_name(text: str) -> str:
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""


# Handled by the first router before any step's handler, and the step goes on after them: Cancel
# ends it itself, /help and /language answer beside it (the form continues in the new language).
_BESIDE_COMMANDS = frozenset({"", "cancel", "help", "language"})
_BESIDE_BUTTONS = frozenset({ui.MenuButton.CANCEL, ui.MenuButton.HELP, ui.MenuButton.LANGUAGE})


def leaves_step(text: str | None) -> bool:
    """Whether ``text`` typed in a step means "leave the step and run this"."""
    if not text:
        return False
    if text.startswith("/"):
        return _command_name(text) not in _BESIDE_COMMANDS
    button = ui.match_button(text)
    return button is not None and button not in _BESIDE_BUTTONS


class StepExitMiddleware(BaseMiddleware):
    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        if (
            not isinstance(event, Message)
            or state is None
            or data.get("raw_state") is None
            or not leaves_step(event.text)
        ):
            return await handler(event, data)
        left = str(data["raw_state"])
        await park(state, left)
        data["raw_state"] = None
        ctx: UpdateContext | None = data.get("update_context")
        log.info("step_left", step=left)
        result = await handler(event, data)
        if await parked(state) is not None:
            bot: Bot = data["bot"]
            locale = ctx.locale if ctx is not None else None
            await bot.send_message(
                event.chat.id,
                ui.tr(ui_texts.PARKED_OFFER, locale),
                reply_markup=offer_markup(locale),
            )
        return result
