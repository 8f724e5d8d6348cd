"""Everything the fake Bot API server knows, usable from Python and over HTTP.

One state is one bot's view of Telegram: its chats (a private chat exists once a simulated user is
created, groups via :meth:`FakeTelegramState.add_chat`), the messages in them, the pending update
queue, webhook settings, files, command lists, fault knobs, and the journal of calls and
transcripts (:class:`~devkit.fakes.telegram.journal.Journal`). Sending to a chat the bot has never
seen is 400 "chat not found", unless ``auto_create_chats`` (handy for benches that address
thousands of users) creates private chats on first use.

All of it lives on the event loop that serves the fake; use it from that loop.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Any

from devkit.fakes.telegram.errors import QUERY_TOO_OLD, ApiError, bad_request, forbidden
from devkit.fakes.telegram.faults import Faults
from devkit.fakes.telegram.files import FileStore
from devkit.fakes.telegram.journal import Journal
from devkit.fakes.telegram.model import FakeChat, inline_buttons
from devkit.fakes.telegram.profile import BotProfile
from devkit.fakes.telegram.update_queue import UpdateQueue
from devkit.fakes.telegram.users import SimulatedUser
from devkit.fakes.telegram.webhook import WebhookDelivery

__all__ = ["FakeTelegramState", "PendingQuery"]


@dataclass(slots=True)
class PendingQuery:
    chat_id: int
    message_id: int
    user_id: int
    created: float
    answered: bool = False


class FakeTelegramState(Journal):
    def __init__(
        self,
        *,
        bot_id: int | None = None,
        bot_username: str = "fake_gateway_bot",
        bot_first_name: str = "Gateway",
        auto_create_chats: bool = False,
        first_update_id: int = 1,
        webhook_retry_delay: float = 0.2,
        callback_query_ttl: float | None = None,
    ) -> None:
        super().__init__()
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.auto_create_chats = auto_create_chats
        self.webhook_retry_delay = webhook_retry_delay
        self.callback_query_ttl = callback_query_ttl
        self.chats: dict[int, FakeChat] = {}
        self.users: dict[int, SimulatedUser] = {}
        self.updates = UpdateQueue(first_update_id)
        self.files = FileStore()
        self.profile = BotProfile()
        self.faults = Faults()
        self.webhook: WebhookDelivery | None = None
        self.callback_queries: dict[str, PendingQuery] = {}
        self._query_ids = itertools.count(1)

    # -- identity -------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id or 1,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # -- chats and users ------------------------------------------------------------------

    def add_chat(
        self,
        chat_id: int,
        *,
        type: str = "private",  # noqa: A002 — the Bot API's own field name
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> FakeChat:
        """Register a chat (idempotent: an existing chat is returned unchanged)."""
        if chat_id in self.chats:
            return self.chats[chat_id]
        if type != "private" and title is None:
            title = f"Chat {chat_id}"
        chat = FakeChat(
            id=chat_id,
            type=type,
            title=title,
            username=username,
            first_name=first_name,
            last_name=last_name,
        )
        self.chats[chat_id] = chat
        return chat

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        language_code: str | None = "ru",
        *,
        last_name: str | None = None,
        username: str | None = None,
    ) -> SimulatedUser:
        """A simulated user with a private chat (idempotent per ``user_id``)."""
        if user_id in self.users:
            return self.users[user_id]
        person = SimulatedUser(self, user_id, first_name, last_name, username, language_code)
        self.users[user_id] = person
        self.add_chat(
            user_id, first_name=first_name, last_name=last_name, username=username
        ).member_ids.add(user_id)
        return person

    def find_chat(self, ref: int | str) -> FakeChat | None:
        if isinstance(ref, str):
            if ref.startswith("@"):
                name = ref[1:].lower()
                return next(
                    (c for c in self.chats.values() if (c.username or "").lower() == name), None
                )
            try:
                ref = int(ref)
            except ValueError:
                return None
        chat = self.chats.get(ref)
        if chat is None and self.auto_create_chats and ref > 0:
            chat = self.add_chat(ref, first_name=f"User {ref}")
        return chat

    def target_chat(self, ref: int | str) -> FakeChat:
        """The chat a bot call addresses: 400 when unknown, 403 when it blocked the bot."""
        chat = self.find_chat(ref)
        if chat is None:
            raise bad_request("chat not found")
        if chat.blocked:
            if chat.type == "private":
                raise forbidden("bot was blocked by the user")
            raise forbidden(f"bot was kicked from the {chat.type} chat")
        return chat

    def block_chat(self, chat_id: int, blocked: bool = True) -> None:
        chat = self.find_chat(chat_id) or self.add_chat(chat_id)
        chat.blocked = blocked

    # -- messages -------------------------------------------------------------------------

    def store_message(
        self, chat: FakeChat, content: dict[str, Any], *, sender: dict[str, Any], from_bot: bool
    ) -> dict[str, Any]:
        message_id = chat.allocate_message_id()
        message = {
            "message_id": message_id,
            "from": sender,
            "chat": chat.to_json(),
            "date": int(time.time()),
            **content,
        }
        chat.messages[message_id] = message
        if from_bot:
            chat.bot_message_ids.add(message_id)
        return message

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        chat = self.chats.get(chat_id)
        if chat is None:
            return None
        return chat.messages.get(message_id)

    def is_bot_message(self, chat_id: int, message_id: int) -> bool:
        chat = self.chats.get(chat_id)
        return chat is not None and message_id in chat.bot_message_ids

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages still present in the chat, in their current (edited) form."""
        chat = self.chats.get(chat_id)
        if chat is None:
            return []
        return [m for mid, m in sorted(chat.messages.items()) if mid in chat.bot_message_ids]

    def last_bot_message(
        self, chat_id: int, with_button: str | None = None
    ) -> dict[str, Any] | None:
        for candidate in self.bot_messages(chat_id)[::-1]:
            texts = [
                b.get("text") for row in inline_buttons(candidate.get("reply_markup")) for b in row
            ]
            if with_button is None or with_button in texts:
                return candidate
        return None

    # -- updates and callback queries ------------------------------------------------------

    def enqueue_update(self, body: dict[str, Any]) -> dict[str, Any]:
        """Queue an update body (no ``update_id``) for ``getUpdates``/the webhook.

        Returns the update with its id; an update that ``allowed_updates`` filters out is
        returned without ``update_id`` and is never delivered, as in Telegram.
        """
        return self.updates.push(body) or dict(body)

    async def wait_until_consumed(
        self,
        update_id: int,
        timeout: float = 5.0,  # noqa: ASYNC109 — a deadline is part of the assertion API
    ) -> None:
        """Until the bot confirmed the update (``getUpdates`` offset or webhook 2xx)."""
        await self.updates.changed.wait_until(
            lambda: True if not self.updates.is_pending(update_id) else None,
            timeout,
            f"update {update_id} to be consumed",
        )

    def open_callback_query(self, chat_id: int, message_id: int, user_id: int) -> str:
        query_id = f"{user_id}{next(self._query_ids):09d}"
        self.callback_queries[query_id] = PendingQuery(chat_id, message_id, user_id, time.time())
        return query_id

    def answer_query(self, query_id: Any) -> PendingQuery:
        """Mark a callback query answered: once only, and only within ``callback_query_ttl``."""
        query = self.callback_queries.get(query_id) if isinstance(query_id, str) else None
        if query is None or query.answered:
            raise ApiError(400, QUERY_TOO_OLD)
        if self.callback_query_ttl is not None and (
            time.time() - query.created > self.callback_query_ttl
        ):
            raise ApiError(400, QUERY_TOO_OLD)
        query.answered = True
        return query

    # -- knobs ----------------------------------------------------------------------------

    def flood(self, count: int = 1, retry_after: int = 1, method: str | None = None) -> None:
        """The next ``count`` calls (to ``method``, or any) answer 429 ``retry_after``."""
        self.faults.flood(count, retry_after, method)

    def fail_next(
        self,
        count: int,
        error_code: int,
        description: str,
        method: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """The next ``count`` calls answer ``error_code`` with ``description`` verbatim."""
        self.faults.add_error(count, ApiError(error_code, description, retry_after), method)

    def set_latency(self, seconds: float, method: str | None = None) -> None:
        self.faults.set_latency(seconds, method)

    # -- lifecycle ------------------------------------------------------------------------

    async def stop_webhook(self) -> None:
        if self.webhook is not None:
            await self.webhook.stop()
            self.webhook = None

    async def reset(self) -> None:
        """Forget everything except the bot's identity and the constructor options."""
        await self.stop_webhook()
        self._clear_journal()
        self.chats.clear()
        self.users.clear()
        self.updates.reset()
        self.files.reset()
        self.profile.reset()
        self.faults.reset()
        self.callback_queries.clear()

    async def aclose(self) -> None:
        """Stop webhook delivery and end waiting long polls (lets the server shut down)."""
        await self.stop_webhook()
        self.updates.close()
