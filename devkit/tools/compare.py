"""Compare a transcript with a saved one: a readable unified diff, empty when they match."""

from __future__ import annotations

import difflib

__all__ = ["transcript_diff"]


def transcript_diff(expected: str, actual: str, expected_name: str = "expected") -> str:
    """Unified diff from ``expected`` to ``actual`` (line endings and trailing blanks ignored)."""
    want = [line.rstrip() for line in expected.strip("\n").splitlines()]
    got = [line.rstrip() for line in actual.strip("\n").splitlines()]
    if want == got:
        return ""
    return "\n".join(
        difflib.unified_diff(want, got, fromfile=expected_name, tofile="actual", lineterm="")
    )
