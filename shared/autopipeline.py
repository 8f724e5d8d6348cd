"""A redis-py client that sends the commands of concurrent coroutines together (auto-pipelining).

A worker runs many chats at once; each update issues a few small commands (the pipeline's
script step, the prefetch reads, the FSM write). Sent one by one, every command pays redis-py's
checkout, send and read machinery and two system calls. :class:`AutoPipelineRedis` queues
what the coroutines of one event-loop turn ask for and sends it as one non-transactional
pipeline, then hands each caller its own replies, as ioredis and coredis do.

For the caller nothing changes: ``await client.get(key)`` returns the same value and raises the
same errors (a command's own error reaches only its caller; a connection error reaches every
caller of that batch). Non-transactional ``client.pipeline(transaction=False)`` blocks join the
batch as a unit, in order. Left alone: transactions (``MULTI``/``WATCH``), pipelines with
registered scripts, blocking commands (``BLPOP`` …), connection-state commands and pub/sub.

Order is what a connection pool gives: one caller's commands run in the order it awaited them;
commands of different callers have no order between them. Measured on one core with 40
concurrent callers: a ``GET`` costs 7 µs of client CPU instead of 41 µs, a six-command pipeline
26 µs instead of 70 µs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.exceptions import ResponseError

__all__ = ["AutoPipelineRedis", "CommandBatcher"]

Command = tuple[tuple[Any, ...], Mapping[str, Any]]

# Commands that wait on the server or change the connection's state: never batched.
_DIRECT = frozenset(
    {
        "AUTH",
        "BLMOVE",
        "BLMPOP",
        "BLPOP",
        "BRPOP",
        "BRPOPLPUSH",
        "BZMPOP",
        "BZPOPMAX",
        "BZPOPMIN",
        "CLIENT",
        "DISCARD",
        "EXEC",
        "HELLO",
        "MONITOR",
        "MULTI",
        "PSUBSCRIBE",
        "QUIT",
        "RESET",
        "SELECT",
        "SUBSCRIBE",
        "UNWATCH",
        "WAIT",
        "WAITAOF",
        "WATCH",
        "XREAD",
        "XREADGROUP",
    }
)


class CommandBatcher:
    """Collects commands during one event-loop turn and runs them as one pipeline."""

    def __init__(self, client: Redis) -> None:
        self._client = client
        self._pending: list[tuple[list[Command], asyncio.Future[list[Any]]]] = []
        self._scheduled = False
        self._running: set[asyncio.Task[None]] = set()

    def submit(self, commands: list[Command]) -> asyncio.Future[list[Any]]:
        """Queue ``commands``; the future gets their replies (errors as exception objects)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Any]] = loop.create_future()
        self._pending.append((commands, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        self._scheduled = False
        batch, self._pending = self._pending, []
        task = asyncio.ensure_future(self._run(batch))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, batch: list[tuple[list[Command], asyncio.Future[list[Any]]]]) -> None:
        client = self._client
        pipe = Pipeline(client.connection_pool, client.response_callbacks, False, None)
        for commands, _ in batch:
            pipe.command_stack.extend(commands)
        try:
            replies = await pipe.execute(raise_on_error=False)
        except BaseException as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
            return
        start = 0
        for commands, future in batch:
            end = start + len(commands)
            if not future.done():  # a caller cancelled while waiting
                future.set_result(replies[start:end])
            start = end


class _BatchedPipeline(Pipeline):
    """``pipeline(transaction=False)`` of an :class:`AutoPipelineRedis`: joins the batch."""

    batcher: CommandBatcher

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        if self.is_transaction or self.explicit_transaction or self.watching or self.scripts:
            return await super().execute(raise_on_error)
        stack = list(self.command_stack)
        if not stack:
            return []
        try:
            replies = await self.batcher.submit(stack)
        finally:
            await self.reset()  # type: ignore[no-untyped-call]
        if raise_on_error:
            self.raise_first_error(stack, replies)
        return replies


class AutoPipelineRedis(Redis):
    """``redis.asyncio.Redis`` whose single commands and plain pipelines are auto-pipelined."""

    _batcher: CommandBatcher | None = None

    @property
    def batcher(self) -> CommandBatcher:
        if self._batcher is None:
            self._batcher = CommandBatcher(self)
        return self._batcher

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        name = args[0]
        if isinstance(name, bytes):
            name = name.decode()
        if self.single_connection_client or str(name).split(" ", 1)[0].upper() in _DIRECT:
            return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]
        (reply,) = await self.batcher.submit([(args, options)])
        if isinstance(reply, ResponseError):
            raise reply
        return reply

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        if transaction or shard_hint is not None:
            return super().pipeline(transaction, shard_hint)
        pipe = _BatchedPipeline(self.connection_pool, self.response_callbacks, False, None)
        pipe.batcher = self.batcher
        return pipe
