"""The chaos run at CI size: worker processes, SIGKILL / SIGSTOP / SIGTERM, duplicates, poison.

See tests/pipeline/chaos.py; the long run: ``python -m tests.pipeline.chaos --long --minutes 10``.
"""

from __future__ import annotations

import os

import pytest

from tests.pipeline.chaos import ChaosConfig, run_chaos


@pytest.mark.slow
@pytest.mark.timeout(240)
async def test_chaos(redis_url: str) -> None:
    cfg = ChaosConfig()  # 3 workers, 50 chats x 50 updates, 5 % duplicates, 5 poison
    report = await run_chaos(cfg, redis_url, os.environ["TELEGRAM_BOT_TOKEN"])
    f = report.figures
    print(f)
    assert report.problems == []
    assert f["updates"] == 2500
    assert f["losses"] == 0 and f["order_violations"] == 0
    assert f["overlaps_non_zombie"] == 0
    assert f["dlq"] == f["poison_injected"] == 5
    assert f["unexplained_duplicate_executions"] == 0
    assert f["duplicates_rejected_at_ingest"] == f["duplicates_injected"] > 0
    assert f["kills"] >= 3 and f["zombie_stops"] >= 1 and f["sigterms"] >= 1
