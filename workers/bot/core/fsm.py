"""FSM storage: aiogram's ``RedisStorage``, with the update's own state and data read in advance.

The pipeline runs one update at a time per chat, so while an update runs nobody else writes its
FSM key (``USER_IN_CHAT``: the key holds the chat id). That makes it safe to read the state and
data once, in the round trip :mod:`workers.bot.runtime.prefetch` sends anyway, and to serve the
handler's ``get_state`` / ``get_data`` (and ``update_data``'s read) from that copy. Writes go to
Redis as before (same TTLs) and refresh the copy. The copy lives in a context variable set for
the update, so it never leaks into another update; keys other than the update's own go to Redis.

In-process aiogram cannot do this: without per-chat ordering two updates of a chat may run at
once. Here it turns the usual three FSM round trips of "read, then update" into one.
"""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any, cast

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import StateType, StorageKey
from aiogram.fsm.storage.redis import RedisStorage
from redis.asyncio.client import Pipeline

__all__ = ["PrefetchingRedisStorage", "prefetched_fsm"]


@dataclass(slots=True)
class _Copy:
    key: StorageKey
    state: bytes | None
    data: bytes | None


prefetched_fsm: ContextVar[_Copy | None] = ContextVar("bot_gateway_prefetched_fsm", default=None)


class PrefetchingRedisStorage(RedisStorage):
    def read_keys(self, key: StorageKey) -> tuple[str, str]:
        """The Redis keys of ``key``'s state and data."""
        return self.key_builder.build(key, "state"), self.key_builder.build(key, "data")

    def queue_reads(self, pipe: Pipeline, key: StorageKey) -> None:
        """Add the two reads to ``pipe``; pass their results to :meth:`remember`."""
        state, data = self.read_keys(key)
        pipe.get(state)
        pipe.get(data)

    def remember(self, key: StorageKey, state: Any, data: Any) -> Token[_Copy | None]:
        """Keep the copy for the rest of the update; reset the returned token when it ends."""
        return prefetched_fsm.set(_Copy(key, state, data))

    def _copy(self, key: StorageKey) -> _Copy | None:
        copy = prefetched_fsm.get()
        return copy if copy is not None and copy.key == key else None

    async def get_state(self, key: StorageKey) -> str | None:
        copy = self._copy(key)
        if copy is None:
            return await super().get_state(key)
        return copy.state.decode("utf-8") if copy.state is not None else None

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        copy = self._copy(key)
        if copy is None:
            return await super().get_data(key)
        if copy.data is None:
            return {}
        # Decoded afresh each time, as RedisStorage does: callers may mutate what they get.
        return cast(dict[str, Any], self.json_loads(copy.data.decode("utf-8")))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await super().set_state(key, state)
        copy = self._copy(key)
        if copy is not None:
            value = state.state if isinstance(state, State) else state
            copy.state = value.encode("utf-8") if value is not None else None

    async def set_data(self, key: StorageKey, data: Any) -> None:
        await super().set_data(key, data)
        copy = self._copy(key)
        if copy is not None:
            copy.data = self.json_dumps(data).encode("utf-8") if data else None
