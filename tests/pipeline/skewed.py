"""``python -m tests.pipeline.skewed ARGS``: ``bot-gateway ARGS`` with this process's wall clock
off by ``CLOCK_SKEW_SECONDS`` (a worker host whose clock is wrong; Redis keeps the right one)."""

from __future__ import annotations

import os
import time

SKEW = float(os.environ.get("CLOCK_SKEW_SECONDS", "0"))
_time, _time_ns = time.time, time.time_ns
# Before anything imports ``from time import time`` (arq does), so every reader sees the skew.
time.time = lambda: _time() + SKEW
time.time_ns = lambda: _time_ns() + int(SKEW * 1e9)

from shared.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
