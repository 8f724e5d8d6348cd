"""The critical paths stay at 100 % branch coverage; the overall floor only rises.

Run by `make test` after pytest has written `.coverage` (branch data, [tool.coverage] in
pyproject.toml). The overall figure is checked by pytest-cov against ``fail_under``; this script
checks, file by file, the code that decides who gets in:

- the webhook secret check and everything else ``POST /webhook`` does before it answers
  (``ingest/webhook.py``) and the services' API key on the internal events endpoint
  (``ingest/internal.py``);
- who is writing (``workers/bot/core/auth.py``, ``workers/bot/middlewares/auth.py``);
- the access rules and the fail-closed gate (``workers/bot/core/access.py``,
  ``workers/bot/core/gate.py``, ``workers/bot/middlewares/access.py``).

It also says when the overall figure has moved a whole point above the floor, so the floor is
raised with the change that earned it (never lowered).

Exit status 1 with one line per file below 100 %, 0 otherwise.
"""

from __future__ import annotations

import io
import math
import sys
import tomllib
from pathlib import Path

import coverage
from coverage.exceptions import NoDataError

ROOT = Path(__file__).resolve().parents[1]
CRITICAL = (
    "ingest/webhook.py",
    "ingest/internal.py",
    "workers/bot/core/auth.py",
    "workers/bot/middlewares/auth.py",
    "workers/bot/core/access.py",
    "workers/bot/core/gate.py",
    "workers/bot/middlewares/access.py",
)


def main() -> int:
    cov = coverage.Coverage(config_file=str(ROOT / "pyproject.toml"))
    cov.load()
    if not cov.get_option("run:branch"):
        print("coverage: branch measurement is off ([tool.coverage.run] branch = true)")
        return 1
    failed: list[str] = []
    for name in CRITICAL:
        path = ROOT / name
        if not path.is_file():
            failed.append(f"{name}: listed as critical but does not exist")
            continue
        try:
            # report() counts lines and branches together; 100 is exact (no rounding up to it).
            percent = cov.report(
                include=[str(path)], file=io.StringIO(), show_missing=False, skip_covered=False
            )
        except NoDataError:
            failed.append(f"{name}: not measured")
            continue
        if percent < 100.0:
            failed.append(f"{name}: {percent:.2f} % (lines + branches), needs 100 %")
    if failed:
        print("coverage of the critical paths is below 100 %:")
        for line in failed:
            print(f"  {line}")
        # The missing lines and branches, to write the tests from.
        cov.report(
            include=[str(ROOT / name) for name in CRITICAL],
            show_missing=True,
            skip_covered=True,
        )
        return 1
    print(f"coverage: {len(CRITICAL)} critical files at 100 % (lines and branches)")
    _ratchet_hint(cov)
    return 0


def _ratchet_hint(cov: coverage.Coverage) -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    floor = float(config["tool"]["coverage"]["report"]["fail_under"])
    total = cov.report(file=io.StringIO(), skip_covered=True)
    if math.floor(total) > floor:
        print(
            f"coverage: overall {total:.2f} %, floor {floor:g} %: raise [tool.coverage.report] "
            f"fail_under to {math.floor(total)} in this change"
        )


if __name__ == "__main__":
    sys.exit(main())
