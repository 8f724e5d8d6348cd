"""The reaper: repairs what crashes, dropped jobs and lost writes leave behind.

Runs as an arq cron job every ``PIPELINE_REAPER_INTERVAL`` seconds (its timeout equals the drain
job's, so it does not lengthen arq's in-progress TTL).  Each pass runs the REAP script on every
chat of the active index, 200 chats per round trip; every ``PIPELINE_REAPER_SCAN_INTERVAL`` (and
on a worker's first pass) it also SCANs for chat state keys, because the index itself can be lost
with a Redis failover.  Per chat, REAP (one atomic step, see ``shared/pipeline/lua/reap.lua``):

* ``TAKEOVER``: the lease holder stopped heartbeating for lease + grace (SIGKILL, or a stall
  beyond the lease): new epoch, new job; the old holder is fenced out;
* ``ORPHAN``: no holder, yet the job has been "in progress" at arq for longer than a lease: its
  worker died between taking the job and claiming, or between yielding and finishing;
* ``ENSURE``: the epoch's arq job is missing (dropped by arq, or lost): written again;
* ``STRANDED``: pending updates but no epoch (only after lost writes): new activation.

Running it twice at once is harmless: every step is idempotent and atomic.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable

from redis.asyncio import Redis

from shared.logs import get_logger
from shared.pipeline import metrics
from shared.pipeline.scripts import PipelineScripts, parse_reap, run_batch

__all__ = ["REPAIRS", "Reaper"]

log = get_logger(__name__)

BATCH = 200
REPAIRS = ("TAKEOVER", "ORPHAN", "ENSURE", "STRANDED")


def _s(v: bytes | str) -> str:
    return v.decode() if isinstance(v, bytes) else v


class Reaper:
    def __init__(self, redis: Redis, scripts: PipelineScripts, scan_interval: float) -> None:
        self.redis = redis
        self.scripts = scripts
        self.scan_interval = scan_interval
        self._last_scan: float | None = None

    async def reap_chats(self, cks: Iterable[str], now: int | None = None) -> Counter[str]:
        """Run REAP on the given chats; counts by result kind."""
        counts: Counter[str] = Counter()
        batch: list[str] = []

        async def flush() -> None:
            calls = [self.scripts.reap_call(ck, now) for ck in batch]
            for ck, reply in zip(batch, await run_batch(self.redis, calls), strict=True):
                kind, epoch = parse_reap(reply)
                counts[kind] += 1
                if kind in REPAIRS:
                    metrics.REAPER_REPAIRS.labels(kind=kind.lower()).inc()
                    log.warning("reaper_repair", kind=kind, ordering_key=ck, epoch=epoch)
            batch.clear()

        for ck in cks:
            batch.append(ck)
            if len(batch) >= BATCH:
                await flush()
        if batch:
            await flush()
        return counts

    async def _scan(self) -> list[str]:
        keys = self.scripts.keys
        found: list[str] = []
        async for key in self.redis.scan_iter(match=keys.state_scan_pattern, count=1000):
            ck = keys.ck_from_state_key(_s(key))
            if ck is not None:
                found.append(ck)
        return found

    async def run_once(
        self, *, full_scan: bool | None = None, now: int | None = None
    ) -> Counter[str]:
        """One pass; ``full_scan`` None = when the scan interval is due (always on the first)."""
        mono = time.monotonic()
        if full_scan is None:
            full_scan = self._last_scan is None or mono - self._last_scan >= self.scan_interval
        active = [_s(ck) for ck in await self.redis.zrange(self.scripts.keys.active, 0, -1)]
        cks = set(active)
        if full_scan:
            self._last_scan = mono
            cks.update(await self._scan())
        counts = await self.reap_chats(sorted(cks), now)
        repaired = {k: v for k, v in counts.items() if k in REPAIRS}
        if repaired or full_scan:
            log.info("reaper_pass", chats=len(cks), full_scan=full_scan, **repaired)
        return counts
