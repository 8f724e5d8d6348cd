"""The clarification on a card: the manager's question and the answers written since.

The question is the newest move into ``clarification`` (its ``status_change`` comment carries the
text); the answers are the comments written after it by anyone but the one who asked (R12 marks
them ``clarification``). Only read while the request is in ``clarification``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from shared.clients import ServiceClients
from shared.clients.errors import ServiceError
from shared.clients.models import Request
from shared.clients.models.requests import Comment
from shared.logs import get_logger
from workers.bot.core.cards import texts
from workers.bot.core.ui.errors import is_transient
from workers.bot.core.ui.html import safe
from workers.bot.core.ui.i18n import tr
from workers.bot.core.ui.numbers import fmt_datetime

__all__ = ["Thread", "answers_text", "load_thread", "thread_text"]

log = get_logger(__name__)

_PAGE: Final = 50
QUESTION_LIMIT: Final = 500
ANSWER_LIMIT: Final = 300
ANSWERS_SHOWN: Final = 5
NAME_LIMIT: Final = 40


@dataclass(frozen=True, slots=True)
class Thread:
    question: str
    answers: list[Comment] = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)


async def load_thread(
    clients: ServiceClients, request: Request, *, internal: bool = False
) -> Thread | None:
    if request.status != "clarification":
        return None
    number = request.request_number
    try:
        page = await clients.requests.comments(number, include_internal=internal, size=_PAGE)
        if page.pages > 1:
            page = await clients.requests.comments(
                number, include_internal=internal, page=page.pages, size=_PAGE
            )
    except ServiceError as exc:
        if is_transient(exc):
            raise
        log.info("card_thread_unavailable", status=exc.status, code=exc.code)
        return None
    asked_at = None
    for index in range(len(page.items) - 1, -1, -1):
        if page.items[index].new_status == "clarification":
            asked_at = index
            break
    if asked_at is None:
        return None
    question = page.items[asked_at]
    answers = [
        c
        for c in page.items[asked_at + 1 :]
        if c.comment_type != "status_change"
        and c.comment_text
        and c.author_user_id != question.author_user_id
    ]
    names: dict[int, str] = {}
    for author in {c.author_user_id for c in answers if c.author_user_id is not None}:
        try:
            user = await clients.users.get(author)
        except ServiceError as exc:
            if is_transient(exc):
                raise
            continue
        full = " ".join(p for p in (user.first_name, user.last_name) if p)
        names[author] = full or (f"@{user.username}" if user.username else f"#{author}")
    return Thread(question.comment_text, answers, names)


def thread_text(thread: Thread, locale: str | None = None) -> str:
    """The question, then the newest answers (or "no answer yet"), escaped and capped."""
    question = tr(texts.THREAD_QUESTION, locale, question=safe(thread.question, QUESTION_LIMIT))
    answers = answers_text(thread, locale) or tr(texts.THREAD_NO_ANSWER, locale)
    return f"{question}\n{answers}"


def answers_text(thread: Thread, locale: str | None = None) -> str:
    """The newest answers under a heading; ``""`` when nobody has answered yet."""
    if not thread.answers:
        return ""
    lines = [tr(texts.THREAD_ANSWERS, locale)]
    for answer in thread.answers[-ANSWERS_SHOWN:]:
        author = thread.names.get(answer.author_user_id or 0, f"#{answer.author_user_id}")
        lines.append(
            tr(
                texts.THREAD_ANSWER,
                locale,
                author=safe(author, NAME_LIMIT),
                date=fmt_datetime(answer.created_at, locale),
                text=safe(answer.comment_text, ANSWER_LIMIT),
            )
        )
    return "\n".join(lines)
