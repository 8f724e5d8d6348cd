"""``--handler`` of the zombie chaos run: answers each callback query through the production Bot
API session (JSON session + :class:`BotApiMiddleware`, so the fence is the one the bot uses).

The update's fence is set for the call as the bot runtime sets it; ``ZOMBIE_WORK_MS`` of work
(service calls, in the bot) come before the answer, the window in which a stop strands it.
``ZOMBIE_ANSWER_ONCE=false`` leaves out the once-only claim of callback answers.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer

from shared.connections import create_redis
from shared.settings import load_settings
from workers.bot.telegram.json_session import JsonSession
from workers.bot.telegram.session import BotApiMiddleware, current_fence, current_run
from workers.pipeline.drain import UpdateHandler, UpdateMeta


async def factory(ctx: dict[str, Any]) -> tuple[UpdateHandler, Any]:
    settings = load_settings()
    session = JsonSession(api=TelegramAPIServer.from_base(settings.telegram.api_url), timeout=10)
    redis = create_redis(settings.redis.url, socket_timeout=None, autopipeline=True)
    answers = redis if os.environ.get("ZOMBIE_ANSWER_ONCE", "true") == "true" else None
    session.middleware(
        BotApiMiddleware(
            pacer=None,
            retry_after_cap=5.0,
            retries=3,
            answers=answers,
            key_prefix=settings.redis.key_prefix,
        )
    )
    bot = Bot(settings.telegram.bot_token.get_secret_value(), session=session)
    work = float(os.environ.get("ZOMBIE_WORK_MS", "50")) / 1000

    async def handler(raw: bytes, meta: UpdateMeta) -> None:
        token, run = current_fence.set(meta.fence), current_run.set(meta.run)
        try:
            query = json.loads(raw)["callback_query"]
            await asyncio.sleep(work)
            await bot.answer_callback_query(query["id"], text="ok")
        finally:
            current_run.reset(run)
            current_fence.reset(token)

    async def shutdown() -> None:
        await bot.session.close()
        await redis.aclose()

    return handler, shutdown
