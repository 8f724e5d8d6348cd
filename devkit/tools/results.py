"""What a replay returns: a run's transcript and dead letters, or one interactive step's calls.

Also the attribution of a recorded Bot API call to the chat it acted in, shared by the harness and
the transcript tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from devkit.fakes.telegram import CallRecord, FakeTelegramState
from devkit.tools.transcript import BOT_SECTION, Outbound, Transcript
from shared.pipeline import EnqueueResult

__all__ = ["RunResult", "Turn", "outbound", "section_of_call", "section_of_ck"]


def section_of_ck(ordering_key: str) -> str:
    return ordering_key[1:] if ordering_key.startswith("c") else BOT_SECTION


def section_of_call(call: CallRecord, state: FakeTelegramState) -> str:
    """The chat a Bot API call acted in (as a transcript section), or ``bot``."""
    if call.chat_id is not None:
        return str(call.chat_id)
    query = state.callback_queries.get(str(call.params.get("callback_query_id", "")))
    if query is not None:
        return str(query.chat_id)
    scope = call.params.get("scope")
    if isinstance(scope, dict) and isinstance(scope.get("chat_id"), int | str):
        return str(scope["chat_id"])
    return BOT_SECTION


def outbound(call: CallRecord) -> Outbound:
    return Outbound(
        method=call.method,
        params=dict(call.params),
        status=call.status,
        description=call.description,
        uploads=tuple(sorted(call.uploads)),
    )


@dataclass
class RunResult:
    """What :meth:`ReplayHarness.run` fed and what came of it."""

    transcript: Transcript
    enqueued: list[EnqueueResult]
    dead_lettered: dict[int, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.transcript.render()

    def texts(self, chat_id: int | None = None) -> list[str]:
        return self.transcript.texts(chat_id)


@dataclass
class Turn:
    """One interactive step: the update sent and the calls the bot made handling it."""

    update: dict[str, Any]
    calls: list[CallRecord]
    transcript: Transcript

    @property
    def ok_calls(self) -> list[CallRecord]:
        return [c for c in self.calls if c.ok]

    @property
    def texts(self) -> list[str]:
        """Texts/captions of successful sends and edits, oldest first."""
        out = []
        for call in self.ok_calls:
            value = call.params.get("text", call.params.get("caption"))
            if isinstance(value, str):
                out.append(value)
        return out

    @property
    def text(self) -> str:
        """The last text the bot sent or edited in this step ('' when none)."""
        return self.texts[-1] if self.texts else ""

    @property
    def methods(self) -> list[str]:
        return [c.method for c in self.calls]

    def markup(self) -> dict[str, Any] | None:
        """The reply_markup of the last call that carried one."""
        for call in reversed(self.ok_calls):
            markup = call.params.get("reply_markup")
            if isinstance(markup, dict):
                return markup
        return None

    def buttons(self) -> list[str]:
        """Button texts (inline and reply keyboard) of the last markup, in reading order."""
        markup = self.markup() or {}
        rows = (markup.get("inline_keyboard") or []) + (markup.get("keyboard") or [])
        return [
            str(b.get("text", "")) if isinstance(b, dict) else str(b) for row in rows for b in row
        ]
