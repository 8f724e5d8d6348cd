"""Exponential backoff with jitter: the one formula behind every wait between retries (the long
poller, the service clients, the Bot API session, the worker's poll loop).

Retry ``n`` (from 1) waits ``base·2^(n-1)``, capped at ``cap``, times a random factor drawn from
``jitter``: spread out, so that many processes failing together do not retry together. Each caller
picks its range: ``(0.5, 1)`` keeps a wait near its step, ``(1, 1.5)`` never waits less than the
step, ``(0, 1)`` is "full jitter".
"""

from __future__ import annotations

import random

__all__ = ["Backoff", "exponential_backoff"]


def exponential_backoff(
    retry: int, *, base: float, cap: float, jitter: tuple[float, float] = (0.5, 1.0)
) -> float:
    """Seconds to wait before retry ``retry`` (1 for the first)."""
    step = min(cap, base * 2.0 ** max(0, retry - 1))
    return min(cap, step * random.uniform(*jitter))


class Backoff:
    """The same, counting consecutive failures: :meth:`next_delay` after each, :meth:`reset` once
    something worked."""

    def __init__(
        self, base: float = 0.5, cap: float = 30.0, jitter: tuple[float, float] = (0.5, 1.0)
    ) -> None:
        self.base = base
        self.cap = cap
        self.jitter = jitter
        self.failures = 0

    def next_delay(self) -> float:
        self.failures += 1
        return exponential_backoff(self.failures, base=self.base, cap=self.cap, jitter=self.jitter)

    def reset(self) -> None:
        self.failures = 0
