"""``--handler`` of the zombie chaos run: answers each callback query through the production Bot
API session (JSON session + :class:`BotApiMiddleware`, so the fence is the one the bot uses).

The update's fence is set for the call as the bot runtime sets it; ``ZOMBIE_WORK_MS`` of work
(service calls, in the bot) come before the answer, the window in which a stop strands it.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer

from shared.settings import load_settings
from workers.bot.telegram.json_session import JsonSession
from workers.bot.telegram.session import BotApiMiddleware, current_fence
from workers.pipeline.drain import UpdateHandler, UpdateMeta


async def factory(ctx: dict[str, Any]) -> tuple[UpdateHandler, Any]:
    settings = load_settings()
    session = JsonSession(api=TelegramAPIServer.from_base(settings.telegram.api_url), timeout=10)
    session.middleware(BotApiMiddleware(pacer=None, retry_after_cap=5.0, retries=3))
    bot = Bot(settings.telegram.bot_token.get_secret_value(), session=session)
    work = float(os.environ.get("ZOMBIE_WORK_MS", "50")) / 1000

    async def handler(raw: bytes, meta: UpdateMeta) -> None:
        token = current_fence.set(meta.fence)
        try:
            query = json.loads(raw)["callback_query"]
            await asyncio.sleep(work)
            await bot.answer_callback_query(query["id"], text="ok")
        finally:
            current_fence.reset(token)

    async def shutdown() -> None:
        await bot.session.close()

    return handler, shutdown
