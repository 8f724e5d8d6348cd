"""The HTTP core every service client shares: headers, retries, breaker, error mapping, decoding.

One call = one logical operation (``op``, e.g. ``requests.create``), made of one or more attempts:

- Each attempt runs under the service's circuit breaker and is cut at ``HTTP_TIMEOUT`` (or at what
  is left of the call's ``HTTP_DEADLINE``, whichever is sooner).
- Retries (at most ``HTTP_MAX_RETRIES``, via stamina) happen on connection failures (the request
  never left), and — only for calls that are safe to repeat: GET/PUT, calls carrying an
  ``Idempotency-Key``, and reads sent as POST — on timeouts, network errors and 502/503/504.
  429 and ``409 idempotency_in_progress`` are retried too, the former after its ``Retry-After``
  when that is short (``HTTP_RETRY_AFTER_MAX``), otherwise :class:`RateLimited` goes to the caller.
  A retry is not started when its backoff would cross the deadline, so a call never outlives it.
- Anything else is final and mapped once to the error tree in :mod:`shared.clients.errors`.

Logs carry service, op, status, code, attempts and duration; never a URL, body or header value.

A call builds its ``httpx.Request`` once (the client's headers and timeouts, the call's own
headers) and hands it straight to the transport: ``AsyncClient.request`` adds URL merging, a
cookie jar, auth and redirect handling, none of which a service call uses (no redirects are
followed, and no cookie is ever sent: one user's call must not carry a cookie into another's),
and which cost about as much CPU as the transport's own work. Likewise stamina's retry loop is
entered only once the first attempt has failed (``python -m bench.service_call`` measures both).

Paths are templates with ``{}`` for each variable part (``"/requests/{}/status", number``); every
part is percent-encoded here, whole, as one segment, so a value from button data or a message
(``x/../../users/5``) can never reach another resource of the service.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Self, TypeVar
from urllib.parse import quote

import httpx
import msgspec
import stamina

from shared.clients.breaker import BreakerBoard
from shared.clients.context import current_request_id
from shared.clients.errors import (
    CircuitOpen,
    Gone,
    IdempotencyInProgress,
    RateLimited,
    ServiceBadResponse,
    ServiceConflict,
    ServiceError,
    ServiceFailure,
    ServiceForbidden,
    ServiceNotFound,
    ValidationFailed,
)
from shared.clients.mapping import error_body, error_for, retry_after
from shared.clients.metrics import CALL_DURATION, CALLS, RETRIES
from shared.clients.policy import (
    CallPolicy,
    build_http_client,
    build_transport,
    never_connected,
)
from shared.labels import Children
from shared.logs import get_logger
from shared.settings import Settings

__all__ = ["API_PREFIX", "IDEMPOTENCY_KEY_RE", "ServiceClient", "path_segment", "query"]

T = TypeVar("T")
log = get_logger(__name__)
# Services, operations and statuses are bounded sets: each child is looked up once.
_calls = Children(CALLS)
_call_duration = Children(CALL_DURATION)

API_PREFIX = "/api/v1"
# Answers of the contract that the bot turns into a reply (logged at info, not as failures).
EXPECTED_ANSWERS = (ServiceNotFound, ServiceConflict, ServiceForbidden, Gone, ValidationFailed)
IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9:._-]{1,200}$")
_REPEATABLE_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE"})
_RETRY_STATUSES = frozenset({502, 503, 504})
# An attempt needs at least this long to be worth starting.
_MIN_ATTEMPT = 0.05


def query(**values: Any) -> list[tuple[str, str | int | float | bool | None]]:
    """Query parameters without the ``None`` ones; lists and tuples become repeated parameters."""
    out: list[tuple[str, str | int | float | bool | None]] = []
    for name, value in values.items():
        if value is None:
            continue
        items: Iterable[Any] = (
            value if isinstance(value, list | tuple | set | frozenset) else [value]
        )
        out.extend((name, str(i).lower() if isinstance(i, bool) else i) for i in items)
    return out


class _BadSegment(ValueError):
    """A value that cannot be one path segment (empty, or only dots)."""


def path_segment(value: str | int) -> str:
    """``value`` as exactly one URL path segment.

    Everything but unreserved characters is percent-encoded (``/`` included). An empty value or
    one made only of dots cannot be a segment at all: URL normalisation (yarl decodes ``%2E``
    and applies it too) would turn it into ``.`` / ``..`` and climb out of the resource, so it is
    refused with :class:`ValueError`.
    """
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise TypeError(f"a path segment must be str or int, not {type(value).__name__}")
    text = str(value)
    if text.strip(".") == "":
        raise _BadSegment("a path segment cannot be empty or only dots")
    return quote(text, safe="")


def _path(template: str, segments: tuple[str | int, ...]) -> str:
    if template.count("{}") != len(segments) or "{" in template.replace("{}", ""):
        raise ValueError(f"path template {template!r} does not match {len(segments)} segment(s)")
    return template.format(*map(path_segment, segments)) if segments else template


def _body(values: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON body without the optional fields left at ``None``."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items() if v is not None}


def _headers_and_content(
    request_id: str,
    token: str | None,
    idempotency_key: str | None,
    body: Mapping[str, Any] | None,
) -> tuple[dict[str, str], bytes | None]:
    """One call's own headers (next to the client's) and its encoded JSON body, if any."""
    headers = {"X-Request-ID": request_id}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if idempotency_key is not None:
        if not IDEMPOTENCY_KEY_RE.match(idempotency_key):
            raise ValueError("idempotency key must be 1-200 characters of [A-Za-z0-9:._-]")
        headers["Idempotency-Key"] = idempotency_key
    content = None
    if body is not None:
        content = msgspec.json.encode(_body(body))
        headers["Content-Type"] = "application/json"
    return headers, content


class ServiceClient:
    """Base of the per-service clients; one instance (and one connection pool) per process."""

    service: ClassVar[str]

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str,
        service_name: str = "bot-gateway",
        policy: CallPolicy | None = None,
        breakers: BreakerBoard | None = None,
    ) -> None:
        self.policy = policy or CallPolicy()
        self.breakers = breakers
        self.base_url = base_url.rstrip("/")
        self._transport = build_transport(self.policy)
        self._http = build_http_client(
            self.base_url,
            self.policy,
            {"X-Service-Name": service_name, "X-Service-API-Key": api_key},
            self._transport,
        )
        # What httpx's build_request would merge into every request: default headers (Accept,
        # Accept-Encoding, User-Agent...) plus ours, and the timeouts the transport applies.
        self._headers = self._http.headers
        self._timeouts = self._http.timeout.as_dict()

    @classmethod
    def from_settings(cls, settings: Settings, breakers: BreakerBoard | None = None) -> Self:
        url: str = getattr(settings.services, f"{cls.service}_service_url")
        return cls(
            url,
            api_key=settings.services.service_api_key.get_secret_value(),
            service_name=settings.services.service_name,
            policy=CallPolicy.from_settings(settings.http),
            breakers=breakers,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def health(self) -> bool:
        """``GET /health`` once, no retries, no breaker: for readiness probes."""
        try:
            response = await self._http.get("/health", timeout=self.policy.connect_timeout)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def _call(
        self,
        op: str,
        method: str,
        path: str,
        *segments: str | int,
        result: type[T],
        params: list[tuple[str, str | int | float | bool | None]] | None = None,
        body: Mapping[str, Any] | None = None,
        token: str | None = None,
        idempotency_key: str | None = None,
        safe: bool = False,
    ) -> T:
        """Make one logical call and decode its 2xx body as ``result``.

        ``path`` is a template with one ``{}`` per ``segments`` value, each percent-encoded.

        ``safe`` marks a POST that only reads (``/permissions/check``), so it may be repeated.
        """
        request_id = current_request_id()
        headers, content = _headers_and_content(request_id, token, idempotency_key, body)
        try:
            url_path = API_PREFIX + _path(path, segments)
        except _BadSegment:
            # No resource has such a name: answer as the service would, without asking it.
            log.warning("service_call_refused", service=self.service, op=op, reason="bad_segment")
            raise ServiceNotFound(self.service, op, None, "invalid_identifier") from None
        request = self._request(method, url_path, params, content, headers)
        repeatable = safe or method in _REPEATABLE_METHODS or idempotency_key is not None

        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + self.policy.deadline
        attempts = 0

        def decide(exc: Exception) -> bool | float:
            if attempts > self.policy.max_retries:
                return False  # stamina would stop anyway; do not count or log a retry
            wait = self._retry_wait(exc, repeatable, attempts, deadline - loop.time())
            if wait is None:
                return False
            RETRIES.labels(self.service, op).inc()
            log.info(
                "service_retry",
                request_id=request_id,
                service=self.service,
                op=op,
                attempt=attempts,
                wait_ms=round(wait * 1000),
                status=getattr(exc, "status", None),
                reason=getattr(exc, "reason", None) or getattr(exc, "code", None),
            )
            return wait

        try:
            attempts = 1
            first: Exception | None = None
            try:
                response = await self._attempt(op, request, deadline - loop.time())
            except Exception as exc:
                first = exc
            if first is not None:
                # Most calls succeed at once; only a failed one pays for stamina's machinery,
                # which gets the failure as its first attempt's (same decisions, waits, hooks).
                async for attempt in stamina.retry_context(
                    on=decide, attempts=self.policy.max_retries + 1, timeout=None
                ):
                    with attempt:
                        if first is not None:
                            failed, first = first, None
                            raise failed
                        attempts += 1
                        response = await self._attempt(op, request, deadline - loop.time())
            value = self._decode(op, response, result)
        except ServiceError as exc:
            self._log_failure(op, exc, attempts, loop.time() - started, request_id)
            raise
        finally:
            _call_duration(self.service, op).observe(loop.time() - started)
        log.debug(
            "service_call",
            request_id=request_id,
            service=self.service,
            op=op,
            status=response.status_code,
            attempts=attempts,
            duration_ms=round((loop.time() - started) * 1000),
        )
        return value

    def _retry_wait(
        self, exc: Exception, repeatable: bool, attempts: int, remaining: float
    ) -> float | None:
        """Seconds to wait before the next attempt, or ``None`` when ``exc`` is final."""
        wait: float | None
        if isinstance(exc, RateLimited):
            wait = exc.retry_after if exc.retry_after <= self.policy.retry_after_max else None
        elif isinstance(exc, IdempotencyInProgress):
            wait = self.policy.backoff(attempts)
        elif isinstance(exc, ServiceFailure):
            if exc.reason == "connect_error":
                pass  # the request never reached the service: safe for every method
            elif not repeatable or (exc.status is not None and exc.status not in _RETRY_STATUSES):
                return None
            wait = self.policy.backoff(attempts)
            if exc.retry_after is not None and exc.retry_after <= self.policy.retry_after_max:
                wait = max(wait, exc.retry_after)
        else:
            return None
        if wait is None or wait + _MIN_ATTEMPT > remaining:
            return None
        return wait

    def _request(
        self,
        method: str,
        url_path: str,
        params: list[tuple[str, str | int | float | bool | None]] | None,
        content: bytes | None,
        headers: dict[str, str],
    ) -> httpx.Request:
        """The request every attempt of one call sends, as ``AsyncClient.build_request`` would
        build it (same URL, headers, body and timeouts) without a cookie."""
        merged = httpx.Headers(self._headers)
        merged.update(headers)
        return httpx.Request(
            method,
            self.base_url + url_path,
            params=params,
            content=content,
            headers=merged,
            extensions={"timeout": self._timeouts},
        )

    async def _attempt(self, op: str, request: httpx.Request, remaining: float) -> httpx.Response:
        if remaining < _MIN_ATTEMPT:
            self._count(op, "timeout")
            raise ServiceFailure(self.service, op, reason="deadline")
        if self.breakers is None:
            response = await self._send(op, request, remaining)
        else:
            try:
                async with self.breakers.guard(self.service, op):
                    response = await self._send(op, request, remaining)
            except CircuitOpen:
                self._count(op, "circuit_open")
                raise
        if response.status_code >= 400:
            raise error_for(self.service, op, response)
        return response

    async def _send(self, op: str, request: httpx.Request, remaining: float) -> httpx.Response:
        """One HTTP exchange; transport failures and 5xx raise here, inside the breaker."""
        if self._http.is_closed:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        try:
            async with asyncio.timeout(min(self.policy.timeout, remaining)):
                response = await self._transport.handle_async_request(request)
                try:
                    await response.aread()  # decodes Content-Encoding; releases the connection
                except BaseException:
                    await response.aclose()
                    raise
        except (httpx.ConnectTimeout, httpx.ConnectError) as exc:
            reason = "connect_error" if never_connected(exc) else "network_error"
            self._count(op, reason)
            raise ServiceFailure(self.service, op, reason=reason) from None
        except (TimeoutError, httpx.TimeoutException):
            self._count(op, "timeout")
            raise ServiceFailure(self.service, op, reason="timeout") from None
        except httpx.TransportError:
            self._count(op, "network_error")
            raise ServiceFailure(self.service, op, reason="network_error") from None
        self._count(op, str(response.status_code))
        if response.status_code >= 500:
            code = error_body(response).code
            raise ServiceFailure(
                self.service,
                op,
                response.status_code,
                code,
                reason="server_error",
                retry_after=retry_after(response),
            )
        return response

    def _count(self, op: str, status: str) -> None:
        _calls(self.service, op, status).inc()

    def _decode(self, op: str, response: httpx.Response, result: type[T]) -> T:
        if not 200 <= response.status_code < 300:
            raise ServiceBadResponse(self.service, op, response.status_code, "unexpected_status")
        if result is type(None):
            return None
        try:
            return msgspec.json.decode(response.content, type=result)
        except msgspec.MsgspecError:
            raise ServiceBadResponse(self.service, op, response.status_code, "bad_body") from None

    def _log_failure(
        self, op: str, exc: ServiceError, attempts: int, elapsed: float, request_id: str
    ) -> None:
        # A service saying "no such user", "invite used", "overlaps your shift" is an answer the
        # bot turns into a reply: info. A failing or misbehaving service is a warning.
        expected = isinstance(exc, EXPECTED_ANSWERS)
        (log.info if expected else log.warning)(
            "service_call_refused" if expected else "service_call_failed",
            request_id=request_id,
            service=self.service,
            op=op,
            status=exc.status,
            code=exc.code,
            error=type(exc).__name__,
            reason=getattr(exc, "reason", None),
            attempts=attempts,
            duration_ms=round(elapsed * 1000),
        )
