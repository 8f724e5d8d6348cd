"""The dev stack's Redis and PostgreSQL, owned by a process of their own.

``python -m devkit.tools.servers_proc DATA_DIR`` resolves the servers the way the dev stack
wants them — ``REDIS_URL`` / ``DATABASE_URL`` when set, else embedded Valkey and PostgreSQL with
their data under ``DATA_DIR`` (never whatever happens to listen on the default ports) — prints one
JSON line with the URLs, and keeps the embedded ones running until SIGTERM or SIGINT.

Running them in a separate session means a Ctrl-C in the terminal does not stop the databases
under the workers while those finish their batches: the dev stack stops this process last.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from pathlib import Path

from devkit.servers import resolve_servers

__all__ = ["main"]


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: python -m devkit.tools.servers_proc DATA_DIR\n")
        return 2
    data_dir = Path(argv[0]).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        found = resolve_servers(
            os.environ.get("REDIS_URL") or None,
            os.environ.get("DATABASE_URL") or None,
            data_dir,
            probe_local=False,
        )
    except Exception as exc:  # report one line; the dev stack shows it and stops
        _say(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 1
    try:
        _say(
            json.dumps(
                {
                    "redis_url": found.redis_url,
                    "postgres_url": found.postgres_url,
                    "redis_source": found.redis_source,
                    "postgres_source": found.postgres_source,
                }
            )
        )
        stop.wait()
    finally:
        found.stop()
    _say("servers stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
