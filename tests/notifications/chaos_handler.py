"""The chaos run's worker handler: the real event fan-out and notification lanes, recorded.

Events carry their recipients' chats in ``payload.chaos_recipients`` (the real fan-out asks the
user service; here the question is what the pipeline does with the answer). For each event the
handler appends one notification per chat with :meth:`EventStore.notify_many` — the production
call — and records what it did; notifications and updates record ``start`` / ``end`` like the
pipeline's ledger handler. The ledger is a Redis stream (``LEDGER_KEY``), so it survives SIGKILL.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from typing import Any

from shared.connections import create_redis
from shared.events import EventStore
from shared.settings import load_settings
from tests.pipeline.ledger import LEDGER_ENV, parse_text
from workers.pipeline.drain import UpdateHandler, UpdateMeta


async def factory(ctx: dict[str, Any]) -> tuple[UpdateHandler, Any]:
    settings = load_settings()
    redis = create_redis(settings.redis.url)
    store = EventStore(redis, settings)
    key = os.environ[LEDGER_ENV]
    pid = str(os.getpid())

    async def record(ev: str, meta: UpdateMeta, item: str, **extra: object) -> None:
        fields = {
            "ev": ev,
            "ck": meta.ordering_key,
            "uid": meta.update_id,
            "item": item,
            "att": meta.attempt,
            "pid": pid,
            "t": repr(time.time()),
            **{k: str(v) for k, v in extra.items()},
        }
        await redis.xadd(key, fields)  # type: ignore[arg-type]

    async def handler(raw: bytes, meta: UpdateMeta) -> None:
        if meta.ordering_key.startswith("ev"):
            event = json.loads(raw)
            eid = event["event_id"]
            await record("fan_start", meta, eid)
            chats = event["payload"]["chaos_recipients"]
            items = [
                (
                    chat,
                    f"{eid}:{chat}",
                    json.dumps({"notification": 1, "kind": "chaos", "key": eid}).encode(),
                )
                for chat in chats
            ]
            # A crash window between the lookups and the fan-out, and after it.
            await asyncio.sleep(random.uniform(0, 0.03))
            results = await store.notify_many(items)
            for (chat, _, _), result in zip(items, results, strict=True):
                await record(
                    "fanned",
                    meta,
                    eid,
                    chat=chat,
                    status=result.status,
                    nuid=result.uid,
                    behind="" if result.behind is None else result.behind,
                )
            await asyncio.sleep(random.uniform(0, 0.03))
            await record("fan_end", meta, eid)
            return
        if meta.update_id < 0:
            notice = json.loads(raw)
            await record("start", meta, f"n:{notice['key']}")
            await asyncio.sleep(random.uniform(0.001, 0.02))
            await record("end", meta, f"n:{notice['key']}")
            return
        spec = parse_text(raw)
        await record("start", meta, f"u:{spec['seq']}")
        await asyncio.sleep(int(spec.get("sleep", "0")) / 1000)
        await record("end", meta, f"u:{spec['seq']}")

    async def shutdown() -> None:
        await redis.aclose()

    return handler, shutdown
