"""What both targets run: the handler (FSM read + update, one sendMessage) and the updates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from workers.bot.core.gate import PUBLIC

TOKEN = "123456789:" + "W" * 35
BOT_ID = 123456789
TEXT = "Здравствуйте! В квартире 45 течёт кран на кухне, можно прислать мастера завтра утром?"
ROOT = Path(__file__).resolve().parents[2]
# Chat id ranges: warm-up and measured runs of each target use chats of their own.
CHAT_BASES = (3_000_000, 4_000_000, 5_000_000, 6_000_000, 7_000_000)
MAX_CHATS = 5_000


async def bench_handler(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    seen = int(data.get("seen", 0)) + 1
    await state.update_data(seen=seen)
    await message.answer(f"{message.message_id} {seen}")


def bench_router() -> Router:
    router = Router(name="bench")
    router.message.register(bench_handler, flags=PUBLIC)
    return router


async def create_bench_handler(ctx: dict[str, Any]) -> Any:
    """Handler factory for ``bot-gateway worker --handler bench.worker:create_bench_handler``."""
    from shared.settings import load_settings
    from workers.bot.runtime import RUNTIME_CTX_KEY, UpdateProcessor, build_runtime

    runtime = await build_runtime(load_settings(), routers=[bench_router()])
    ctx[RUNTIME_CTX_KEY] = runtime
    return UpdateProcessor(runtime), runtime.close


def make_update(seq: int, chat: int) -> bytes:
    sender = {
        "id": chat,
        "is_bot": False,
        "first_name": "Алишер",
        "last_name": "Каримов",
        "username": "alisher_k",
        "language_code": "ru",
    }
    message = {
        "message_id": seq,
        "from": sender,
        "chat": {
            **{k: v for k, v in sender.items() if k not in ("is_bot", "language_code")},
            "type": "private",
        },
        "date": 1717000000,
        "text": TEXT,
    }
    return json.dumps({"update_id": seq, "message": message}, ensure_ascii=False).encode()


def make_batch(first_seq: int, count: int, chat_base: int, chats: int) -> list[bytes]:
    """``count`` updates, round-robin over ``chats`` chats (so each chat's updates interleave)."""
    return [make_update(first_seq + i, chat_base + i % chats) for i in range(count)]
