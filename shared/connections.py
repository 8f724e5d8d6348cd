"""Redis connections, configured the same way in every process."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import hiredis
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection, parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import DataError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.autopipeline import AutoPipelineRedis

if TYPE_CHECKING:
    from shared.settings import RedisSection

__all__ = [
    "connect_redis",
    "create_redis",
    "hiredis_packing",
    "normalize_redis_url",
    "pack_with_hiredis",
]

R = TypeVar("R", bound=Redis)


def normalize_redis_url(url: str) -> str:
    """valkey:// is accepted in settings; redis-py speaks the same protocol under redis://."""
    return "redis://" + url.removeprefix("valkey://") if url.startswith("valkey://") else url


def create_redis(
    url: str,
    *,
    socket_timeout: float | None = 5.0,
    retries: int = 3,
    max_connections: int | None = None,
    autopipeline: bool = False,
    sentinels: Sequence[tuple[str, int]] = (),
    sentinel_master: str = "mymaster",
    sentinel_password: str | None = None,
    redis_class: type[Redis] | None = None,
) -> Redis:
    """A pooled async client that survives a brief Redis restart instead of crashing the loop.

    ``autopipeline``: concurrent callers' commands travel together (:mod:`shared.autopipeline`).
    ``sentinels``: connect to whichever server the sentinels name as the primary of
    ``sentinel_master`` (``url`` then gives only database, user, password and TLS). After a
    failover a connection's next attempt (the ``retries`` below) asks the sentinels again, and a
    connection still open to a demoted primary is dropped on its first READONLY answer.
    """
    cls = redis_class or (AutoPipelineRedis if autopipeline else Redis)
    options: dict[str, Any] = {
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": min(socket_timeout or 5.0, 5.0),
        "retry": Retry(ExponentialBackoff(cap=1.0, base=0.05), retries),
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
        "health_check_interval": 30,
        "max_connections": max_connections,
    }
    client: Redis
    if sentinels:
        client = _sentinel_client(cls, url, options, sentinels, sentinel_master, sentinel_password)
    else:
        client = cls.from_url(normalize_redis_url(url), **options)
    pool = client.connection_pool
    pool.connection_class = hiredis_packing(pool.connection_class)
    return client


def connect_redis(section: RedisSection, **options: Any) -> Redis:
    """:func:`create_redis` for the settings' ``REDIS_*`` section (URL or Sentinel)."""
    password = section.sentinel_password
    return create_redis(
        section.url,
        sentinels=section.sentinel_addresses,
        sentinel_master=section.sentinel_master,
        sentinel_password=password.get_secret_value() if password is not None else None,
        **options,
    )


def _sentinel_client(
    cls: type[R],
    url: str,
    options: dict[str, Any],
    sentinels: Sequence[tuple[str, int]],
    master: str,
    sentinel_password: str | None,
) -> R:
    target = parse_url(normalize_redis_url(url))
    server: dict[str, Any] = {
        key: target[key] for key in ("db", "username", "password") if target.get(key) is not None
    }
    if url.startswith("rediss://"):
        server["ssl"] = True
    # The sentinels are asked once per new connection: a short timeout, so that one dead
    # sentinel costs little while the next is tried.
    ask: dict[str, Any] = {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}
    if sentinel_password:
        ask["password"] = sentinel_password
    manager = Sentinel(list(sentinels), sentinel_kwargs=ask, **options, **server)  # type: ignore[no-untyped-call]
    pool = SentinelConnectionPool(master, manager, **manager.connection_kwargs)  # type: ignore[no-untyped-call]
    client = cls(connection_pool=pool)
    client.auto_close_connection_pool = True
    return client


async def pack_with_hiredis(client: Redis) -> None:
    """Give a client built elsewhere (arq's pool) hiredis packing; its idle connections are
    closed and dropped so that new ones are made with it."""
    pool = client.connection_pool
    if hiredis_packing(pool.connection_class) is pool.connection_class:
        return
    pool.connection_class = hiredis_packing(pool.connection_class)
    await pool.disconnect()
    pool.reset()  # type: ignore[no-untyped-call]


class _HiredisPacking(AbstractConnection):
    """Commands packed by hiredis in C, as redis-py's synchronous client already does.

    redis-py 5's asyncio connections pack every argument in Python (about 6% of a worker's CPU
    per update, measured with py-spy); the bytes on the wire are the same.
    """

    def pack_command(self, *args: Any) -> list[bytes]:
        if isinstance(args[0], str):
            args = (*args[0].encode().split(), *args[1:])
        elif b" " in args[0]:
            args = (*args[0].split(), *args[1:])
        try:
            return [hiredis.pack_command(args)]
        except TypeError as exc:  # None, bools, objects: redis-py's own error for them
            raise DataError(str(exc)) from exc


_packing_classes: dict[str, type[AbstractConnection]] = {}


def hiredis_packing(base: type[AbstractConnection]) -> type[AbstractConnection]:
    """``base`` (TCP, TLS or Unix socket connection) with hiredis packing, one class each."""
    if not hasattr(hiredis, "pack_command") or issubclass(base, _HiredisPacking):
        return base
    name = f"HiredisPacking{base.__name__}"
    if name not in _packing_classes:
        _packing_classes[name] = type(name, (_HiredisPacking, base), {})
    return _packing_classes[name]
