"""The ASGI app each service fake is: the shared pipeline in front of its routes.

Order for every call under ``/api/v1``: record it → apply a fault (status, garbage, drop) →
service key (401 ``service_unauthorized``) → route (404/405) → query names (422) → Bearer where
the route needs one (401 ``invalid_token``) → idempotency (400 / replay / 409 / 422) → latency and
``delay`` faults → handler → store a 2xx under the key.  ``GET /health`` and ``/__fake__/*`` skip
the service key.  Every answer echoes ``X-Request-ID``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import json
import logging
import os
from typing import Any

import msgspec

from devkit.fakes import jwt_tokens
from devkit.fakes.controls import CallRecord, Fault, ServiceControls, mask_body, mask_headers
from devkit.fakes.http import Call, HttpError, Reply, Router, parse_query
from devkit.fakes.idempotency import Stored, body_fingerprint
from devkit.fakes.state import FakeWorld

__all__ = ["API_PREFIX", "FakeService"]

API_PREFIX = "/api/v1"
_DROP_MESSAGE = "ASGI callable returned without completing response."


class _DropFilter(logging.Filter):
    """A dropped connection is on purpose here; keep uvicorn from reporting it as an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _DROP_MESSAGE


logging.getLogger("uvicorn.error").addFilter(_DropFilter())


def _service_key() -> str:
    """The key the gateway sends: the same variable its settings read."""
    return os.environ.get("SERVICE_API_KEY", "dev-service-key")


class FakeService:
    """One service fake; ``state`` is the world it shares with the other fakes."""

    def __init__(
        self, name: str, state: FakeWorld, router: Router, api_key: str | None = None
    ) -> None:
        self.name = name
        self.state = state
        self.router = router
        self.api_key = api_key if api_key is not None else _service_key()

    @property
    def controls(self) -> ServiceControls:
        return self.state.controls[self.name]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        call = Call(
            method=scope["method"],
            path=scope["path"],
            query=parse_query(scope.get("query_string", b"")),
            headers=headers,
            raw_body=body,
        )
        extra = []
        if "x-request-id" in headers:
            extra.append((b"x-request-id", headers["x-request-id"].encode("latin-1")))
        if call.path == "/health":
            await _send_json(send, 200, {"status": "ok", "service": self.name}, extra)
        elif call.path.startswith("/__fake__/"):
            await self._control(call, send, extra)
        else:
            await self._api(call, scope, send, extra)

    async def _api(self, call: Call, scope: dict[str, Any], send: Any, extra: list[Any]) -> None:
        record = CallRecord(
            method=call.method,
            path=call.path,
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=mask_headers(call.headers),
            body=mask_body(_json_or_none(call.raw_body)),
            at=self.state.now().isoformat(),
        )
        self.controls.record(record)
        fault = self.controls.take_fault(call.method, call.path)
        action = fault.action if fault is not None else None
        if fault is not None and not fault.action.startswith(("delay:", "drop_after")):
            await _fault(send, fault, record, extra)
            return
        try:
            reply, scope_key = await self._dispatch(call, action)
        except HttpError as exc:
            reply, scope_key = Reply(exc.body(), exc.status), None
        if scope_key is not None:
            self.state.idempotency.finish(scope_key, reply.status, reply.body)
        record.status = reply.status
        if action == "drop_after":
            record.outcome = "dropped"
            await _drop(send)
            return
        await _send_json(send, reply.status, reply.body, extra + reply.headers)

    async def _dispatch(
        self, call: Call, action: str | None
    ) -> tuple[Reply, tuple[str, str, str, str] | None]:
        sent_key = call.headers.get("x-service-api-key", "").encode()
        if not hmac.compare_digest(sent_key, self.api_key.encode()) or not call.headers.get(
            "x-service-name"
        ):
            raise HttpError(401, "service_unauthorized")
        if not call.path.startswith(API_PREFIX + "/"):
            raise HttpError(404, "not_found")
        route, call.params = self.router.resolve(call.method, call.path[len(API_PREFIX) :])
        unknown = set(call.query) - route.query
        if unknown:
            raise HttpError(422, "validation_error", f"unknown query parameters: {sorted(unknown)}")
        if route.bearer and not (route.service_only and "authorization" not in call.headers):
            self._authenticate(call)
        scope_key = None
        if route.idempotent:
            scope_key, replay = self._begin_idempotent(call)
            if replay is not None:
                return replay, None
        delay = self.controls.latency_ms
        if action is not None and action.startswith("delay:"):
            delay += int(action.split(":")[1])
        try:
            if delay:
                await asyncio.sleep(delay / 1000)
            result = route.handler(call)
        except HttpError as exc:
            return Reply(exc.body(), exc.status), scope_key
        except BaseException:
            if scope_key is not None:
                self.state.idempotency.abandon(scope_key)
            raise
        reply = result if isinstance(result, Reply) else Reply(result)
        return reply, scope_key

    def _begin_idempotent(self, call: Call) -> tuple[tuple[str, str, str, str], Reply | None]:
        """Claim the call's key; a stored answer comes back as the reply to replay."""
        key = call.headers.get("idempotency-key")
        if not key:
            raise HttpError(400, "idempotency_key_required")
        scope_key = (call.headers["x-service-name"], call.method, call.path, key)
        outcome = self.state.idempotency.begin(
            scope_key, body_fingerprint(call.raw_body), self.state.now()
        )
        if isinstance(outcome, Stored):
            replayed = [(b"idempotent-replayed", b"true")]
            return scope_key, Reply(outcome.body, outcome.status or 200, replayed)
        if outcome == "idempotency_in_progress":
            raise HttpError(409, outcome)
        if outcome is not None:
            raise HttpError(422, outcome)
        return scope_key, None

    def _authenticate(self, call: Call) -> None:
        auth = call.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        claims = None
        if scheme.lower() == "bearer":
            claims = jwt_tokens.decode(self.state, token.strip(), "access")
        if claims is None or claims["user_id"] not in self.state.users:
            raise HttpError(401, "invalid_token")
        call.claims = claims
        call.actor_id = claims["user_id"]

    async def _control(self, call: Call, send: Any, extra: list[Any]) -> None:
        from devkit.fakes.control_api import handle_control

        try:
            status, body = handle_control(self, call)
        except HttpError as exc:
            status, body = exc.status, exc.body()
        await _send_json(send, status, body, extra)


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _json_or_none(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return "<not json>"


async def _send_json(send: Any, status: int, body: Any, headers: list[Any]) -> None:
    data = msgspec.json.encode(body, enc_hook=_enc_hook)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


def _enc_hook(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise NotImplementedError(type(value))


async def _drop(send: Any) -> None:
    """Send a status line promising a body, then hang up (uvicorn closes the connection)."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"1024")],
        }
    )


async def _fault(send: Any, fault: Fault, record: CallRecord, extra: list[Any]) -> None:
    action = fault.action
    if action.startswith("status:"):
        parts = action.split(":")
        status = int(parts[1])
        record.status, record.outcome = status, "fault"
        code = fault.code or "injected_fault"
        headers = list(extra)
        if len(parts) > 2 or status == 429:
            headers.append((b"retry-after", (parts[2] if len(parts) > 2 else "1").encode()))
        await _send_json(send, status, {"detail": "injected fault", "code": code}, headers)
    elif action == "garbage":
        record.status, record.outcome = 200, "garbage"
        data = b"<html>upstream says hello</html>"
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/html"),
                    (b"content-length", str(len(data)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})
    else:
        record.outcome = "dropped"
        await _drop(send)
