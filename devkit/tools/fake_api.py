"""A small client of the fake Bot API's control endpoints (``{base}/__fake__/…``).

It is what ``bot-gateway chat`` uses to act as a Telegram user from another process: create the
user, type, press, share a contact, and long-poll the chat's transcript for the bot's answers.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["FakeApiError", "FakeTelegramClient"]


class FakeApiError(Exception):
    """The fake answered an error, or could not be reached; the message says which."""


class FakeTelegramClient:
    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=f"{self.base_url}/__fake__/", timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FakeTelegramClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise FakeApiError(
                f"the fake Bot API at {self.base_url} is not reachable ({type(exc).__name__})"
            ) from None
        try:
            body = response.json()
        except ValueError:
            raise FakeApiError(f"{path}: HTTP {response.status_code}, not JSON") from None
        if not body.get("ok"):
            raise FakeApiError(f"{path}: {body.get('description', response.status_code)}")
        return body.get("result")

    # -- users ------------------------------------------------------------------------------

    def create_user(
        self,
        user_id: int,
        first_name: str,
        language_code: str | None,
        last_name: str | None = None,
        username: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "user_id": user_id,
            "first_name": first_name,
            "language_code": language_code,
        }
        if last_name:
            body["last_name"] = last_name
        if username:
            body["username"] = username
        result: dict[str, Any] = self._call("POST", "users", json=body)
        return result

    def act(self, user_id: int, action: str, **body: Any) -> dict[str, Any]:
        """``text``, ``command``, ``press``, ``contact``, ``photo``, ``location`` …"""
        result: dict[str, Any] = self._call("POST", f"users/{user_id}/{action}", json=body)
        return result

    # -- reading ----------------------------------------------------------------------------

    def transcript(
        self,
        chat_id: int,
        *,
        after_seq: int = 0,
        direction: str | None = None,
        timeout: float = 0.0,
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"chat_id": chat_id, "after_seq": after_seq}
        if direction:
            params["direction"] = direction
        if timeout > 0:
            params["timeout"] = timeout
        result: list[dict[str, Any]] = self._call(
            "GET", "transcript", params=params, timeout=timeout + 10
        )
        return result

    def calls(
        self, chat_id: int, *, method: str | None = None, after_seq: int = 0
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"chat_id": chat_id, "after_seq": after_seq}
        if method:
            params["method"] = method
        result: list[dict[str, Any]] = self._call("GET", "calls", params=params)
        return result

    def last_seq(self, chat_id: int) -> int:
        entries = self.transcript(chat_id)
        return max((int(e["seq"]) for e in entries), default=0)
