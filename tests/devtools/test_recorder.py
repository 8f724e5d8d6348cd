"""Reading the ingest recording stream: catch up, follow, skip what is not an update."""

from __future__ import annotations

import asyncio
import io
import json

from redis.asyncio import Redis

from devkit.tools.recorder import record_key, record_stream
from devkit.tools.scrub import Scrubber
from ingest.recording import Recorder


def _update(uid: int, user: int = 42) -> bytes:
    who = {"id": user, "is_bot": False, "first_name": "Nodira"}
    message = {
        "message_id": uid,
        "date": 1,
        "from": who,
        "chat": {**who, "type": "private"},
        "text": f"hello {uid}",
    }
    return json.dumps({"update_id": uid, "message": message}).encode()


async def test_catch_up_then_follow_new_entries(redis: Redis, key_prefix: str) -> None:
    prefix = key_prefix.replace(":", ".")
    key = record_key(prefix)
    tap = Recorder(redis, prefix, maxlen=100, timeout=2.0)  # ingest's own writer
    try:
        await tap.record([_update(1), _update(2)])
        await redis.xadd(key, {"update": b"not json"})
        out = io.StringIO()
        stats = await record_stream(redis, key, out)
        assert (stats.written, stats.skipped) == (2, 1)
        lines = [json.loads(line) for line in out.getvalue().splitlines()]
        assert [line["update"]["update_id"] for line in lines] == [1, 2]
        assert lines[0]["ts"] > 1_600_000_000

        # Follow from where the first read stopped; entries written later still arrive.
        followed = io.StringIO()
        reader = asyncio.create_task(
            record_stream(
                redis,
                key,
                followed,
                follow=True,
                count=2,
                since=stats.last_id,
                block_ms=100,
                scrubber=Scrubber(),
            )
        )
        await tap.record([_update(3, user=77)])
        await tap.record([_update(4, user=77)])
        more = await asyncio.wait_for(reader, 10)
        assert more.written == 2
        got = [json.loads(line)["update"] for line in followed.getvalue().splitlines()]
        assert [u["update_id"] for u in got] == [3, 4]
        assert {u["message"]["from"]["id"] for u in got} == {1_000_001}
        assert "Nodira" not in followed.getvalue()

        # A stop request ends a follow that is waiting for more.
        stop = asyncio.Event()
        idle = asyncio.create_task(
            record_stream(
                redis, key, io.StringIO(), follow=True, since=more.last_id, block_ms=50, stop=stop
            )
        )
        stop.set()
        assert (await asyncio.wait_for(idle, 5)).written == 0
    finally:
        await redis.delete(key)
