"""Redis connections, configured the same way in every process."""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from shared.autopipeline import AutoPipelineRedis

__all__ = ["create_redis", "normalize_redis_url"]


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
) -> Redis:
    """A pooled async client that survives a brief Redis restart instead of crashing the loop.

    ``autopipeline``: concurrent callers' commands travel together (:mod:`shared.autopipeline`).
    """
    cls = AutoPipelineRedis if autopipeline else Redis
    client: Redis = cls.from_url(
        normalize_redis_url(url),
        socket_timeout=socket_timeout,
        socket_connect_timeout=min(socket_timeout or 5.0, 5.0),
        retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), retries),
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
        health_check_interval=30,
        max_connections=max_connections,
    )
    return client
