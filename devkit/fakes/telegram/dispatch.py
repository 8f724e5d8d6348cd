"""One Bot API call from token to recorded answer.

Order of checks, as a client observes them: token (404 when malformed, 401 when not accepted),
method name (404), parameters decoding (400), then the fault knobs (latency, forced errors such as
429 ``retry_after``), then the method itself. Every call is recorded, failures included.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from devkit.fakes.telegram.decoding import DecodedRequest, coerce_params
from devkit.fakes.telegram.errors import ApiError
from devkit.fakes.telegram.methods import Answer, CallContext, lookup
from devkit.fakes.telegram.model import UploadInfo
from devkit.fakes.telegram.state import FakeTelegramState
from shared.logs import get_logger

__all__ = ["Dispatcher", "token_bot_id"]

log = get_logger(__name__)

_TOKEN_RE = re.compile(r"^(\d{1,20}):[A-Za-z0-9_-]{1,100}$")


def token_bot_id(token: str) -> int | None:
    """The bot id a well-formed token starts with, or ``None``."""
    match = _TOKEN_RE.match(token)
    return int(match.group(1)) if match else None


class Dispatcher:
    def __init__(self, state: FakeTelegramState, tokens: set[str] | None = None) -> None:
        self.state = state
        self.tokens = None if tokens is None else set(tokens)
        if state.bot_id is None and self.tokens:
            state.bot_id = token_bot_id(sorted(self.tokens)[0])

    def authorize(self, token: str) -> int:
        """The caller's bot id; raises the answer Telegram gives a bad token."""
        bot_id = token_bot_id(token)
        if bot_id is None:
            raise ApiError(404, "Not Found")
        if self.tokens is not None and token not in self.tokens:
            raise ApiError(401, "Unauthorized")
        if self.state.bot_id is None:
            self.state.bot_id = bot_id
        return bot_id

    async def call(
        self,
        token: str,
        method: str,
        request: DecodedRequest | ApiError,
        disconnected: asyncio.Future[None] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """Answer one HTTP request: ``(status, body)``."""
        params = request.params if isinstance(request, DecodedRequest) else {}
        uploads = request.uploads if isinstance(request, DecodedRequest) else {}
        bot_id: int | None = None
        try:
            bot_id = self.authorize(token)
            found = lookup(method)
            if found is None:
                raise ApiError(404, "Not Found")
            method, handler = found
            if isinstance(request, ApiError):
                raise request
            delay = self.state.faults.latency(method)
            if delay:
                await asyncio.sleep(delay)  # simulated network/server latency
            forced = self.state.faults.take_error(method)
            if forced is not None:
                raise forced
            ctx = CallContext(
                state=self.state,
                method=method,
                bot_id=bot_id,
                params=params,
                uploads=uploads,
                disconnected=disconnected,
                execute=self.execute_reply,
            )
            outcome = await handler(ctx)
        except ApiError as error:
            return self._failed(method, bot_id, params, uploads, error)
        answer = outcome if isinstance(outcome, Answer) else Answer(outcome)
        body: dict[str, Any] = {"ok": True, "result": answer.result}
        if answer.description:
            body["description"] = answer.description
        self.state.record_call(
            method, bot_id, params, _upload_info(uploads), 200, result=answer.result
        )
        return 200, body

    def _failed(
        self,
        method: str,
        bot_id: int | None,
        params: dict[str, Any],
        uploads: dict[str, Any],
        error: ApiError,
    ) -> tuple[int, dict[str, Any]]:
        self.state.record_call(
            method,
            bot_id,
            params,
            _upload_info(uploads),
            error.error_code,
            description=error.description,
            retry_after=error.retry_after,
        )
        log.debug("fake_telegram.call_failed", method=method, status=error.error_code)
        return error.error_code, error.payload()

    async def execute_reply(self, body: dict[str, Any]) -> None:
        """Run a method returned in a webhook answer (its result goes nowhere, as in Telegram)."""
        found = lookup(str(body["method"]))
        if found is None:
            log.info("fake_telegram.webhook_reply_unknown_method")
            return
        method, handler = found
        params: dict[str, Any] = {k: v for k, v in body.items() if k != "method"}
        try:
            params = coerce_params(params)
            result = await handler(CallContext(self.state, method, self.state.bot_id, params, {}))
        except ApiError as error:
            self._failed(method, self.state.bot_id, params, {}, error)
            return
        result = result.result if isinstance(result, Answer) else result
        self.state.record_call(method, self.state.bot_id, params, {}, 200, result=result)


def _upload_info(uploads: dict[str, Any]) -> dict[str, UploadInfo]:
    return {
        name: UploadInfo(u.filename, u.content_type, len(u.data)) for name, u in uploads.items()
    }
