"""A handler for tests, chaos runs and the bench that records every run in a Redis stream.

The stream lives in Redis, not in the worker, so a SIGKILLed worker's runs stay recorded.  Updates
carry their test instructions in the message text:
``seq=<n>;sleep=<ms>;mode=<ok|poison|block|hold>`` (``block`` spins the CPU for ``sleep`` ms without
awaiting: the event loop is blocked; ``hold``: the first run in this process raises
``RetryAfter(hold ms)``, later runs succeed).
Environment: ``LEDGER_KEY`` (stream key; unset = record nothing, for throughput runs).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any

from shared.connections import create_redis
from shared.errors import RetryAfter
from shared.settings import load_settings
from workers.pipeline.drain import UpdateHandler, UpdateMeta

LEDGER_ENV = "LEDGER_KEY"


def make_update(
    update_id: int, chat: int, seq: int, sleep_ms: int = 0, mode: str = "ok", hold_ms: int = 0
) -> bytes:
    text = f"seq={seq};sleep={sleep_ms};mode={mode}"
    if hold_ms:
        text += f";hold={hold_ms}"
    update = {
        "update_id": update_id,
        "message": {
            "message_id": seq,
            "date": 0,
            "chat": {"id": chat, "type": "private"},
            "text": text,
        },
    }
    return json.dumps(update, separators=(",", ":")).encode()


def parse_text(raw: bytes) -> dict[str, str]:
    text = json.loads(raw)["message"]["text"]
    return dict(part.split("=", 1) for part in text.split(";"))


class PoisonError(RuntimeError):
    pass


async def factory(ctx: dict[str, Any]) -> tuple[UpdateHandler, Any]:
    settings = load_settings()
    redis = create_redis(settings.redis.url)
    key = os.environ.get(LEDGER_ENV)
    pid = str(os.getpid())
    held: set[int] = set()

    async def record(event: str, meta: UpdateMeta, seq: str) -> None:
        if key:
            fields = {
                "ev": event,
                "ck": meta.ordering_key,
                "uid": meta.update_id,
                "seq": seq,
                "att": meta.attempt,
                "pid": pid,
                "t": repr(time.time()),
            }
            await redis.xadd(key, fields)  # type: ignore[arg-type]

    async def handler(raw: bytes, meta: UpdateMeta) -> None:
        spec = parse_text(raw)
        await record("start", meta, spec["seq"])
        sleep_ms = int(spec.get("sleep", "0"))
        if spec.get("mode") == "block":
            until = time.monotonic() + sleep_ms / 1000
            while time.monotonic() < until:  # CPU-bound and never yields: the loop is stuck
                pass
        elif sleep_ms:
            await asyncio.sleep(sleep_ms / 1000)
        if spec.get("mode") == "poison":
            await record("fail", meta, spec["seq"])
            raise PoisonError(f"poison update {meta.update_id}")
        if spec.get("mode") == "hold" and meta.update_id not in held:
            held.add(meta.update_id)
            await record("hold", meta, spec["seq"])
            raise RetryAfter(int(spec["hold"]) / 1000)
        await record("end", meta, spec["seq"])

    async def shutdown() -> None:
        await redis.aclose()

    return handler, shutdown
