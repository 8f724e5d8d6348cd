"""A thin HTTP helper for the service fakes' tests: service headers and prefixes filled in."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from devkit.fakes.stack import RunningFakes

_keys = itertools.count(1)


class Api:
    def __init__(self, stack: RunningFakes, key: str) -> None:
        self.stack = stack
        self.key = key
        self.http = httpx.AsyncClient(timeout=10)

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    def headers(self, token: str | None = None, key: str | None = None) -> dict[str, str]:
        out = {"X-Service-Name": "bot-gateway", "X-Service-API-Key": self.key}
        if token:
            out["Authorization"] = f"Bearer {token}"
        if key:
            out["Idempotency-Key"] = key
        return out

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Any = None,
        token: str | None = None,
        key: str | None = "auto",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """``key="auto"`` sends a fresh Idempotency-Key on POST/PATCH; ``None`` sends none."""
        if key == "auto":
            key = f"t:{next(_keys)}" if method in {"POST", "PATCH"} else None
        return await self.http.request(
            method,
            self.stack.url(service) + "/api/v1" + path,
            json=json,
            params=params,
            headers={**self.headers(token, key), **(headers or {})},
        )

    async def token(self, telegram_id: int) -> str:
        response = await self.call("auth", "POST", "/auth/login", json={"telegram_id": telegram_id})
        assert response.status_code == 200, response.text
        token: str = response.json()["tokens"]["access_token"]
        return token
