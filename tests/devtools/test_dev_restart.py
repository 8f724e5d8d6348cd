"""``bot-gateway dev`` stopped and started again on the same data directory: the returning user
is answered. The fake Bot API keeps numbering updates where it stopped (as Telegram does), so the
per-chat dedup kept in the dev Redis does not take the new updates for redeliveries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.devtools.devstack_support import DevProcess


@pytest.mark.timeout(600)
async def test_a_returning_user_is_answered_after_a_restart(tmp_path: Path) -> None:
    data = tmp_path / "devdata"
    outputs = []
    for _ in range(2):
        stack = DevProcess(data)
        await stack.start()
        try:
            outputs.append(await stack.chat("/start\n/quit\n", "--as", "resident"))
        finally:
            await stack.stop()
    first, second = outputs
    assert first.count("bot: ") >= 1, first
    # The same greeting again: nothing was dropped as a redelivery of the first run's updates.
    assert [line for line in second.splitlines() if line.startswith("bot: ")], second
    saved = json.loads((data / "fake-telegram-update-ids.json").read_text())
    assert saved["next_update_id"] > 2
