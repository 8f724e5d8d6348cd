"""Events and updates for the same chats, worker processes SIGKILLed: see chaos.py."""

from __future__ import annotations

import os

import pytest

from tests.notifications.chaos import EventChaosConfig, run_event_chaos


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_event_chaos(redis_url: str) -> None:
    figures, problems = await run_event_chaos(
        EventChaosConfig(), redis_url, os.environ["TELEGRAM_BOT_TOKEN"]
    )
    print(figures)
    assert problems == []
    assert figures["losses"] == 0 and figures["order_violations"] == 0
    assert figures["overtakes"] == 0 and figures["unexplained_duplicates"] == 0
    assert figures["notification_items"] == figures["notifications_expected"] > 0
    assert figures["event_dups_rejected"] == figures["event_dups_injected"] > 0
    assert figures["kills"] >= 3
