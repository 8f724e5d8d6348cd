"""The bot's scheduled jobs in a worker that runs another handler (a bench or test handler).

They run every second on the worker's event loop from its first second; loading the bot for them
(aiogram and its models: about 2 s of CPU) stalled the loop of a freshly started worker long
enough for running handlers to time out and their leases to lapse.
"""

from __future__ import annotations

import subprocess
import sys

from tests.devtools.support import ROOT

PROBE = """
import asyncio, sys
from workers.bot.jobs import BOT_JOBS, broadcast_check, broadcast_send, release_held_notifications

async def main():
    ctx = {"job_try": 1}
    await broadcast_check(ctx)
    await release_held_notifications(ctx)
    await broadcast_send(ctx, 1, "run")
    await BOT_JOBS.close(ctx)

asyncio.run(main())
print(sorted(m for m in ("aiogram", "workers.bot.runtime.broadcast") if m in sys.modules))
"""


def test_bot_jobs_load_nothing_of_the_bot_without_a_runtime() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
