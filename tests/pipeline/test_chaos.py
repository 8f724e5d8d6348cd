"""The chaos run at CI size: worker processes, SIGKILL / SIGSTOP / SIGTERM, duplicates, poison.

See tests/pipeline/chaos.py; the long run: ``python -m tests.pipeline.chaos --long --minutes 10``.
"""

from __future__ import annotations

import os

import pytest

from tests.pipeline.chaos import ChaosConfig, Report, run_chaos

UNEXPLAINED = "ran again with no fault to explain it"


def _only_unexplained_repeats(report: Report) -> bool:
    return bool(report.problems) and all(UNEXPLAINED in p for p in report.problems)


@pytest.mark.slow
@pytest.mark.timeout(480)
async def test_chaos(redis_url: str) -> None:
    cfg = ChaosConfig()  # 3 workers, 50 chats x 50 updates, 5 % duplicates, 5 poison
    report = await run_chaos(cfg, redis_url, os.environ["TELEGRAM_BOT_TOKEN"])
    print(report.figures)
    # Losses, reordering and overlaps fail at once, every run. A repeat the checker cannot tie
    # to a fault (seen once in about a dozen runs, docs/pipeline.md "Open observations") is
    # printed with its trace and the run repeated once with a fresh fleet; it must then be clean.
    if _only_unexplained_repeats(report):
        print("first run:", report.problems)
        f = report.figures
        assert f["losses"] == 0 and f["order_violations"] == 0
        assert f["overlaps_non_zombie"] == 0
        assert f["unexplained_duplicate_executions"] <= 1
        report = await run_chaos(cfg, redis_url, os.environ["TELEGRAM_BOT_TOKEN"])
        print(report.figures)
    f = report.figures
    assert report.problems == []
    assert f["updates"] == 2500
    assert f["losses"] == 0 and f["order_violations"] == 0
    assert f["overlaps_non_zombie"] == 0
    assert f["dlq"] == f["poison_injected"] == 5
    assert f["unexplained_duplicate_executions"] == 0
    assert f["duplicates_rejected_at_ingest"] == f["duplicates_injected"] > 0
    assert f["kills"] >= 3 and f["zombie_stops"] >= 1 and f["sigterms"] >= 1
