"""Pushing queued updates to the bot's webhook, the way Telegram does.

Each pending update is POSTed as JSON with ``X-Telegram-Bot-Api-Secret-Token`` when a secret is
set. Updates of one chat go one at a time and in order (a failing delivery holds that chat's later
updates back); different chats are delivered concurrently, up to ``max_connections``. A non-2xx
answer or a network error is recorded in ``getWebhookInfo`` (``last_error_date``,
``last_error_message``) and retried after ``retry_delay``. A 2xx answer confirms the update; if
its JSON body names a ``method``, that call is executed, as Telegram does with webhook replies.
Unlike the real server the fake accepts plain ``http://`` URLs on any port (loopback tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from devkit.fakes.telegram.update_queue import UpdateQueue
from shared.logs import get_logger

__all__ = ["WebhookConfig", "WebhookDelivery", "update_chat_key"]

log = get_logger(__name__)

ReplyHandler = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(slots=True)
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


def update_chat_key(update: dict[str, Any]) -> str:
    """The ordering key Telegram sequences webhook deliveries by: the update's chat."""
    for value in update.values():
        if not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return f"chat:{chat['id']}"
        sender = value.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return f"user:{sender['id']}"
    return f"update:{update.get('update_id')}"


class WebhookDelivery:
    """One delivery loop per configured webhook; :meth:`stop` ends it, keeping pending updates."""

    def __init__(
        self,
        config: WebhookConfig,
        queue: UpdateQueue,
        on_reply: ReplyHandler,
        retry_delay: float = 0.2,
        timeout: float = 10.0,
    ) -> None:
        self.config = config
        self._queue = queue
        self._on_reply = on_reply
        self._retry_delay = retry_delay
        self._timeout = timeout
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        tasks = [*self._inflight.values(), *([self._task] if self._task else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._inflight.clear()
        self._task = None

    async def _run(self) -> None:
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            while True:
                changed = self._queue.changed.future()
                self._start_deliveries(client, changed)
                try:
                    await changed
                finally:
                    self._queue.changed.discard(changed)

    def _start_deliveries(self, client: httpx.AsyncClient, wake: asyncio.Future[None]) -> None:
        seen: set[str] = set()
        for update in list(self._queue.pending):
            key = update_chat_key(update)
            if key in seen or key in self._inflight:
                seen.add(key)
                continue
            seen.add(key)
            if len(self._inflight) >= self.config.max_connections:
                break
            task = asyncio.get_running_loop().create_task(self._deliver(client, update))
            self._inflight[key] = task
            task.add_done_callback(functools.partial(self._finished, key))

    def _finished(self, key: str, _task: asyncio.Task[None]) -> None:
        self._inflight.pop(key, None)
        self._queue.changed.notify()

    async def _deliver(self, client: httpx.AsyncClient, update: dict[str, Any]) -> None:
        headers = {"Content-Type": "application/json"}
        if self.config.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self.config.secret_token
        body = json.dumps(update, ensure_ascii=False).encode()
        try:
            response = await client.post(self.config.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            self._failed(update, f"Connection error: {type(exc).__name__}")
            await asyncio.sleep(self._retry_delay)  # Telegram's pacing between retries
            return
        if not 200 <= response.status_code < 300:
            reason = f"Wrong response from the webhook: {response.status_code}"
            self._failed(update, f"{reason} {response.reason_phrase}".strip())
            await asyncio.sleep(self._retry_delay)
            return
        self._queue.remove(update["update_id"])
        reply = _reply_call(response)
        if reply is not None:
            await self._on_reply(reply)

    def _failed(self, update: dict[str, Any], message: str) -> None:
        self.config.last_error_date = int(time.time())
        self.config.last_error_message = message
        log.info("fake_telegram.webhook_failed", update_id=update["update_id"], error=message)


def _reply_call(response: httpx.Response) -> dict[str, Any] | None:
    if "json" not in response.headers.get("content-type", "") or not response.content:
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    if isinstance(data, dict) and isinstance(data.get("method"), str):
        return data
    return None
