"""Helpers of the events tests: event bodies shaped like the fakes send them, a served listener."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx

from ingest.internal import EVENTS_PATH
from ingest.server import serve_internal
from shared.settings import Settings

__all__ = ["KEY", "internal_listener", "request_event", "request_obj"]

KEY = "test-service-key-123"


def request_obj(number: str = "250114-007", **extra: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "request_number": number,
        "status": "in_progress",
        "status_version": 3,
        "category": "plumbing",
        "urgency": "high",
        "description": "Течёт кран",
        "applicant_user_id": 4,
        "executor_user_id": 3,
        "assignment_type": "individual",
        "assigned_group": None,
        "media_files": [],
        "completion_report": None,
        "completion_media": [],
        "acceptance_mode": "resident",
    }
    request.update(extra)
    return request


def request_event(event_id: str, number: str = "250114-007", **payload: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request": request_obj(number),
        "old_status": "new",
        "new_status": "in_progress",
        "actor_user_id": 2,
        "comment": None,
    }
    body.update(payload)
    return {
        "event_id": event_id,
        "type": "request.status_changed",
        "occurred_at": "2025-01-14T09:30:00Z",
        "payload": body,
    }


@contextlib.asynccontextmanager
async def internal_listener(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The internal listener on a free port; a client pointed at it with the service key."""
    stopping = asyncio.Event()
    bound: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        serve_internal(
            settings,
            stopping,
            lambda: (b"", "text/plain"),
            started=bound.set_result,
        )
    )
    try:
        waiting: set[asyncio.Future[object]] = {task, bound}  # type: ignore[arg-type]
        done, _ = await asyncio.wait(waiting, timeout=20, return_when="FIRST_COMPLETED")
        if task in done:
            task.result()
        port = await asyncio.wait_for(bound, 1)
        headers = {"X-Service-API-Key": KEY, "X-Service-Name": "request-service"}
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10
        ) as client:
            yield client
    finally:
        stopping.set()
        await asyncio.gather(task, return_exceptions=True)


__all__ += ["EVENTS_PATH"]
