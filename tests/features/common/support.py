"""Helpers shared by the feature tests of the common and onboarding features."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from devkit.fakes.telegram import SimulatedUser
from devkit.fakes.telegram.updates import callback_query_body
from devkit.tools.results import Turn
from tests.replay_plugin import Replay
from workers.bot.core.gateway_settings import GatewaySettingsStore

__all__ = ["answered_queries", "gateway_settings", "press_raw", "reply_keyboard"]


def reply_keyboard(turn: Turn) -> list[list[str]]:
    """The reply keyboard rows of the last markup the bot sent in this step."""
    markup: dict[str, Any] = turn.markup() or {}
    return [[str(b.get("text")) for b in row] for row in markup.get("keyboard") or []]


def gateway_settings(replay: Replay, redis: Redis) -> GatewaySettingsStore:
    """The running system's settings store (its key prefix), read fresh on every call."""
    return GatewaySettingsStore(redis, key_prefix=replay.settings.redis.key_prefix, cache_seconds=0)


def answered_queries(replay: Replay, user_id: int) -> tuple[int, int]:
    """``(callback queries the user opened, answered ones)``: every query is answered once."""
    opened = [q for q in replay.telegram.callback_queries.values() if q.user_id == user_id]
    return len(opened), sum(1 for q in opened if q.answered)


async def press_raw(
    replay: Replay, user: SimulatedUser, message: dict[str, Any], data: str
) -> Turn:
    """Press a button carrying ``data`` on ``message`` (an old build's, or tampered data)."""
    query_id = replay.telegram.open_callback_query(user.chat_id, message["message_id"], user.id)
    body = callback_query_body(query_id, user.to_json(), message, data)
    return await replay.send(replay.telegram.enqueue_update(body))
