"""``POST /webhook``: check, store, acknowledge — in that order.

=========================================  ======  ==========================================
request                                    status  effect
=========================================  ======  ==========================================
secret header missing or wrong             401     nothing read, nothing queued
Content-Length or streamed body too large  413     the rest of the body is never read
body slower than INGEST_BODY_TIMEOUT       408     connection closed, nothing queued
not JSON / not an object / no int id       400     counted by reason, logged without the body
new update                                 200     stored under its chat's ordering key first
already stored (Telegram redelivery)       200     not queued twice
chat backlog full                          429     Telegram redelivers later (see below)
pending bytes / Redis memory at the limit  503     Telegram redelivers; nothing written
Redis down, slower than the deadline, OOM  503     Telegram redelivers; nothing acknowledged
=========================================  ======  ==========================================

The 200 goes out only after Redis answered the enqueue script, so every acknowledged update is
in Redis. A full backlog answers 429 rather than 503: it is back-pressure from one chat, not a
fault of the receiver, so it stays out of 5xx alerting, and Telegram retries any non-2xx the same.

If the deadline passes after Redis did run the script, the 503 makes Telegram redeliver, and the
redelivery is answered 200 as a duplicate: a late success costs one extra request, never an update.
"""

from __future__ import annotations

import asyncio
import hmac
import time

from redis.exceptions import RedisError

from ingest.group_commit import GroupCommit
from ingest.http import BodyTooLarge, Disconnected, Receive, Scope, Send, read_body, respond
from ingest.metrics import IngestMetrics
from ingest.recording import Recorder
from shared.errors import InvalidUpdate
from shared.logs import get_logger
from shared.pipeline import EnqueueStatus, Pipeline, parse_envelope
from shared.settings import Settings

__all__ = ["SECRET_HEADER", "WebhookHandler"]

SECRET_HEADER = b"x-telegram-bot-api-secret-token"
_CONTENT_LENGTH = b"content-length"
_CLOSE = [(b"connection", b"close")]
log = get_logger(__name__)


class WebhookHandler:
    def __init__(
        self,
        settings: Settings,
        pipeline: Pipeline,
        metrics: IngestMetrics,
        recorder: Recorder | None = None,
    ) -> None:
        secret = settings.telegram.webhook_secret
        self._secret = secret.get_secret_value().encode() if secret is not None else None
        self._limit = settings.ingest.max_body_bytes
        self._body_timeout = settings.ingest.body_timeout
        self._commit = GroupCommit(pipeline, timeout=settings.ingest.redis_timeout)
        self._metrics = metrics
        self._recorder = recorder
        self._received = metrics.received["webhook"]
        self._latency = metrics.enqueue_seconds["webhook"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        given: bytes | None = None
        length: bytes | None = None
        for name, value in scope["headers"]:
            if name == SECRET_HEADER:
                given = value
            elif name == _CONTENT_LENGTH:
                length = value
        if self._secret is not None and (
            given is None or not hmac.compare_digest(given, self._secret)
        ):
            return await self._reject(scope, send, "unauthorized", 401)
        if length is not None and _too_long(length, self._limit):
            return await self._reject(scope, send, "too_large", 413)
        try:
            async with asyncio.timeout(self._body_timeout):
                raw = await read_body(receive, self._limit)
        except BodyTooLarge:
            return await self._reject(scope, send, "too_large", 413)
        except Disconnected:
            return None
        except TimeoutError:
            # A trickling body holds a connection: answer and close it, whatever comes next.
            return await self._reject(scope, send, "body_timeout", 408, close=True)
        await self._store(scope, send, raw)
        return None

    async def aclose(self) -> None:
        await self._commit.aclose()

    async def _store(self, scope: Scope, send: Send, raw: bytes) -> None:
        try:
            parse_envelope(raw)
        except InvalidUpdate as exc:
            return await self._reject(scope, send, exc.reason, 400)
        started = time.perf_counter()
        try:
            # The group commit bounds the wait by INGEST_REDIS_TIMEOUT (TimeoutError past it).
            result = await self._commit.enqueue(raw)
        except TimeoutError:
            return await self._unavailable(send, "redis_timeout")
        except (RedisError, OSError) as exc:
            return await self._unavailable(send, "redis_error", type(exc).__name__)
        self._latency.observe(time.perf_counter() - started)
        self._received.inc()
        status = result.status
        if status is EnqueueStatus.DUPLICATE:
            self._metrics.duplicates["webhook"].inc()
        elif status is EnqueueStatus.OVER_BUDGET:
            # The whole pipeline is at its memory budget: back-pressure on Telegram, not a chat.
            return await self._unavailable(send, "over_budget")
        elif not result.accepted:
            # The pipeline logs the refusal (update_id, ordering key); counted here by source.
            self._metrics.full["webhook"].inc()
            return await respond(send, 429)
        await respond(send, 200)
        if self._recorder is not None and status is not EnqueueStatus.DUPLICATE:
            await self._recorder.record([raw])
        return None

    async def _reject(
        self, scope: Scope, send: Send, reason: str, status: int, *, close: bool = False
    ) -> None:
        self._metrics.reject(reason)
        client = scope.get("client")
        log.warning(
            "update_rejected", reason=reason, status=status, client=client[0] if client else None
        )
        await respond(send, status, extra_headers=_CLOSE if close else None)

    async def _unavailable(self, send: Send, reason: str, error: str | None = None) -> None:
        self._metrics.store_failures[reason].inc()
        log.warning("update_not_stored", reason=reason, error=error)
        await respond(send, 503)


def _too_long(value: bytes, limit: int) -> bool:
    # A malformed length is left to the streaming count (servers reject most of them anyway).
    try:
        return int(value) > limit
    except ValueError:
        return False
