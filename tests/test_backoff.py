"""The one backoff formula: doubling steps up to the cap, jittered within the caller's range."""

from __future__ import annotations

from shared.backoff import Backoff, exponential_backoff
from shared.clients.policy import CallPolicy
from workers.bot.telegram.session import backoff_delay


def test_steps_double_up_to_the_cap_within_the_jitter_range() -> None:
    for retry, step in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 5.0), (9, 5.0)]:
        for _ in range(50):
            assert step / 2 <= exponential_backoff(retry, base=0.5, cap=5.0) <= step
            wait = exponential_backoff(retry, base=0.5, cap=5.0, jitter=(1.0, 1.5))
            assert step <= wait <= min(5.0, step * 1.5)
            assert 0.0 <= exponential_backoff(retry, base=0.5, cap=5.0, jitter=(0, 1)) <= step


def test_the_counting_backoff_starts_over_after_a_reset() -> None:
    backoff = Backoff(base=1.0, cap=8.0, jitter=(1.0, 1.0))
    assert [backoff.next_delay() for _ in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    backoff.reset()
    assert backoff.next_delay() == 1.0


def test_the_callers_keep_their_ranges() -> None:
    policy = CallPolicy(wait_initial=0.2, wait_max=2.0)
    assert all(0.2 <= policy.backoff(1) <= 0.3 for _ in range(50))
    assert all(0.4 <= policy.backoff(2) <= 0.6 for _ in range(50))
    assert all(0.0 <= backoff_delay(1) <= 0.4 for _ in range(50))
    assert all(0.0 <= backoff_delay(10) <= 5.0 for _ in range(50))
