"""A tiny router for the service fakes: parsed calls, routes with typed path parameters, errors.

Handlers are plain functions ``(call) -> dict | Reply``; they raise :class:`HttpError` for the
contract's error answers.  Request bodies are decoded into msgspec Structs declared with
``forbid_unknown_fields`` so an unknown field gives 422, as docs/contracts.md §1.3 asks of the
fakes.
Query parameters a route does not declare give 422 too (they are typos just the same).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import parse_qs

import msgspec

__all__ = ["Call", "HttpError", "Reply", "Route", "Router"]

S = TypeVar("S")
PAGING = frozenset({"page", "size"})


class HttpError(Exception):
    """An error answer: ``{"detail": ..., "code": ..., **extra}``."""

    def __init__(self, status: int, code: str, detail: str = "", /, **extra: Any) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.detail = detail or code.replace("_", " ")
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "code": self.code, **self.extra}


def invalid(detail: str, code: str = "validation_error") -> HttpError:
    return HttpError(422, code, detail)


@dataclass(slots=True)
class Reply:
    body: Any
    status: int = 200
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


@dataclass(slots=True)
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw_body: bytes
    params: dict[str, Any] = field(default_factory=dict)
    actor_id: int | None = None  # the Bearer token's user, where one is required
    claims: dict[str, Any] = field(default_factory=dict)

    def body(self, type_: type[S]) -> S:
        try:
            return msgspec.json.decode(self.raw_body or b"{}", type=type_)
        except msgspec.ValidationError as exc:
            raise invalid(str(exc)) from None
        except msgspec.DecodeError:
            raise HttpError(400, "bad_request", "body is not JSON") from None

    def q(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def q_list(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def q_int(
        self, name: str, default: int | None = None, lo: int = 1, hi: int = 2**62
    ) -> int | None:
        raw = self.q(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid(f"{name} must be an integer") from None
        if not lo <= value <= hi:
            raise invalid(f"{name} must be between {lo} and {hi}")
        return value

    def q_bool(self, name: str, default: bool = False) -> bool:
        raw = self.q(name)
        if raw is None:
            return default
        if raw.lower() in {"true", "1", "yes"}:
            return True
        if raw.lower() in {"false", "0", "no"}:
            return False
        raise invalid(f"{name} must be a boolean")

    def q_date(self, name: str) -> dt.date | None:
        raw = self.q(name)
        if raw is None:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise invalid(f"{name} must be YYYY-MM-DD") from None

    def q_choice(self, name: str, choices: frozenset[str] | set[str]) -> str | None:
        raw = self.q(name)
        if raw is not None and raw not in choices:
            raise invalid(f"{name} must be one of {sorted(choices)}")
        return raw

    def paging(self) -> tuple[int, int]:
        page = self.q_int("page", 1, 1)
        size = self.q_int("size", 20, 1, 100)
        assert page is not None and size is not None
        return page, size


Handler = Callable[[Call], "dict[str, Any] | Reply"]
_PARAM_RE = re.compile(r"\{(\w+)(?::(int|str))?\}")


@dataclass(slots=True)
class Route:
    method: str
    template: str
    handler: Handler
    query: frozenset[str] = frozenset()
    bearer: bool = False
    # Bearer route that also answers a call without Authorization (the handler checks how).
    service_only: bool = False
    # POST and PATCH need an Idempotency-Key unless the contract exempts them.
    idempotent: bool | None = None
    regex: re.Pattern[str] = field(init=False)
    converters: dict[str, Callable[[str], Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.converters = {}
        pattern = ""
        pos = 0
        for m in _PARAM_RE.finditer(self.template):
            pattern += re.escape(self.template[pos : m.start()])
            name, kind = m.group(1), m.group(2) or "str"
            pattern += rf"(?P<{name}>-?\d+)" if kind == "int" else rf"(?P<{name}>[^/]+)"
            self.converters[name] = int if kind == "int" else str
            pos = m.end()
        pattern += re.escape(self.template[pos:])
        self.regex = re.compile(f"^{pattern}$")
        if self.idempotent is None:
            self.idempotent = self.method in {"POST", "PATCH"}

    def match(self, path: str) -> dict[str, Any] | None:
        m = self.regex.match(path)
        if m is None:
            return None
        return {name: self.converters[name](value) for name, value in m.groupdict().items()}


class Router:
    """Routes in registration order: literal routes go before the parameterised ones beside them."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self,
        method: str,
        template: str,
        handler: Handler,
        *,
        query: frozenset[str] | set[str] = frozenset(),
        paged: bool = False,
        bearer: bool = False,
        idempotent: bool | None = None,
        service_only: bool = False,
    ) -> None:
        allowed = frozenset(query) | (PAGING if paged else frozenset())
        self.routes.append(
            Route(method, template, handler, allowed, bearer, service_only, idempotent)
        )

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, Any]]:
        allowed_methods = False
        for route in self.routes:
            params = route.match(path)
            if params is None:
                continue
            if route.method == method:
                return route, params
            allowed_methods = True
        if allowed_methods:
            raise HttpError(405, "method_not_allowed")
        raise HttpError(404, "not_found")


def parse_query(raw: bytes) -> dict[str, list[str]]:
    return parse_qs(raw.decode("latin-1"), keep_blank_values=True)
