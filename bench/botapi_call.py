"""CPU per outgoing Bot API call: the gateway's session stack against plain aiogram.

    python -m bench.botapi_call [--calls 3000] [--rounds 5] [--concurrency 8] [--loop uvloop]

The fake Bot API (devkit/fakes) runs in a child process on a loopback port, so the CPU measured
here (``time.process_time`` of this process) is the client's alone: building the request, the
session middlewares, aiohttp, decoding the reply. Each call is one of

* ``send_message``: ``bot.send_message(chat_id, text)``;
* ``answer``: ``message.answer(text)`` on a message bound to the bot (what every update ends with);
* ``answer+keyboard``: the same with a two-row inline keyboard;

through two stacks:

* ``aiogram``: aiogram's ``AiohttpSession`` without middlewares (the reference the worker bench
  compares against; it does not change, so it shows the machine's drift between runs);
* ``gateway``: the runtime's stack as ``workers.bot.runtime.factory`` builds it (``JsonSession``
  with ``AnswerFirst`` and ``BotApiMiddleware``, pacing off as in ``bench.worker``), inside an
  update's context: a fence like the drain's lease check and a run id.

Rounds alternate the stacks; the figure is the median µs of CPU per call over the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from typing import Any

TOKEN = "123456789:" + "W" * 35
BOT_ID = 123456789
CHAT_BASE = 8_000_000
TEXT = "Заявка №1042 принята: мастер придёт завтра с 9:00 до 12:00. <b>Спасибо!</b>"


def _serve_fake(conn: Connection) -> None:
    async def main() -> None:
        from devkit.fakes.serve import serve
        from devkit.fakes.telegram import FakeTelegramState, create_app

        state = FakeTelegramState(bot_id=BOT_ID, auto_create_chats=True)
        async with serve(create_app(state)) as url:
            conn.send(url)
            loop = asyncio.get_running_loop()
            while True:
                command = await loop.run_in_executor(None, conn.recv)
                if command == "stop":
                    break
                await state.reset()
                conn.send("ok")
        await state.aclose()

    asyncio.run(main())


Call = Callable[[int], Awaitable[Any]]


def _keyboard() -> Any:
    from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="Принять ✅", callback_data="rq:ok:1042"),
                InlineKeyboardButton(text="Отклонить", callback_data="rq:no:1042"),
            ],
            [InlineKeyboardButton(text="« Назад", callback_data="menu:requests")],
        ]
    )


def _message(bot: Any, chat_id: int) -> Any:
    from aiogram.types import Message

    sender = {"id": chat_id, "is_bot": False, "first_name": "Алишер", "language_code": "ru"}
    raw = {
        "message_id": 7,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "Алишер"},
        "from": sender,
        "text": "/start",
    }
    return Message.model_validate(raw, context={"bot": bot})


def _calls(bot: Any, chats: range) -> dict[str, Call]:
    """The calls, for chats in ``chats``; the incoming messages are decoded here, outside the
    measured loop (the update's decoding is not part of the send)."""
    keyboard = _keyboard()
    messages = {chat_id: _message(bot, chat_id) for chat_id in chats}

    def message(chat_id: int) -> Any:
        return messages[chat_id]

    async def send_message(chat_id: int) -> Any:
        return await bot.send_message(chat_id, TEXT)

    async def answer(chat_id: int) -> Any:
        return await message(chat_id).answer(TEXT)

    async def answer_keyboard(chat_id: int) -> Any:
        return await message(chat_id).answer(TEXT, reply_markup=keyboard)

    return {"send_message": send_message, "answer": answer, "answer+keyboard": answer_keyboard}


def _aiogram_bot(api_url: str) -> Any:
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
    return Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode="HTML"))


def _gateway_bot(api_url: str) -> Any:
    """The bot as ``workers.bot.runtime.factory._create_bot`` builds it (pacing off)."""
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.enums import ParseMode
    from redis.asyncio import Redis

    from workers.bot.core.ui.answers import AnswerFirst
    from workers.bot.telegram.json_session import JsonSession
    from workers.bot.telegram.session import BotApiMiddleware

    async def unreachable(chat_id: int | str) -> None:
        return None

    session = JsonSession(api=TelegramAPIServer.from_base(api_url), timeout=10.0)
    session.middleware(AnswerFirst())
    session.middleware(
        BotApiMiddleware(
            pacer=None,
            retry_after_cap=5.0,
            retries=3,
            on_unreachable=unreachable,
            # Only callback answers touch it; never connected here.
            answers=Redis(),
            key_prefix="bench",
        )
    )
    return Bot(TOKEN, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


async def _in_update_context() -> None:
    """What the runtime sets for an update's task: the lease fence and the run id."""
    from workers.bot.telegram.session import current_fence, current_run

    granted = time.monotonic()

    async def holds() -> bool:  # the shape of the drain's Lease.holds while the lease is fresh
        return time.monotonic() - granted < 7.5

    current_fence.set(holds)
    current_run.set("bench:1")


async def _measure(call: Call, chats: range, concurrency: int) -> float:
    """µs of CPU per call (this process): one call to each chat, from ``concurrency`` tasks."""
    queue = iter(chats)

    async def task() -> None:
        await _in_update_context()
        for chat_id in queue:
            await call(chat_id)

    started = time.process_time()
    await asyncio.gather(*(task() for _ in range(concurrency)))
    return (time.process_time() - started) / len(chats) * 1e6


async def run(args: argparse.Namespace, api_url: str, reset: Callable[[], None]) -> None:
    import logging

    logging.getLogger("aiogram").setLevel(logging.WARNING)
    bots = {"aiogram": _aiogram_bot(api_url), "gateway": _gateway_bot(api_url)}
    results: dict[tuple[str, str], list[float]] = {}
    # Each chat gets one call per round and stack: the fake's transcripts stay short.
    chats = range(CHAT_BASE, CHAT_BASE + args.calls)
    calls = {stack: _calls(bot, chats) for stack, bot in bots.items()}
    try:
        # Warm-up: connections, pydantic's schema caches, the fake's chats.
        for stack_calls in calls.values():
            for call in stack_calls.values():
                await _measure(call, chats[: args.calls // 4], args.concurrency)
        for _ in range(args.rounds):
            for stack, stack_calls in calls.items():
                for name, call in stack_calls.items():
                    figure = await _measure(call, chats, args.concurrency)
                    results.setdefault((name, stack), []).append(figure)
            reset()
    finally:
        for bot in bots.values():
            await bot.session.close()
    print(f"µs CPU per call (median of {args.rounds} rounds, {args.calls} calls each)")
    print(f"{'call':<18}{'aiogram':>10}{'gateway':>10}{'ratio':>8}")
    for name in calls["aiogram"]:
        plain = statistics.median(results[(name, "aiogram")])
        ours = statistics.median(results[(name, "gateway")])
        print(f"{name:<18}{plain:>10.1f}{ours:>10.1f}{ours / plain:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    args = parser.parse_args()

    ctx = multiprocessing.get_context("spawn")
    ours, theirs = ctx.Pipe()
    server = ctx.Process(target=_serve_fake, args=(theirs,), daemon=True)
    server.start()
    try:
        api_url = ours.recv()

        def reset() -> None:
            ours.send("reset")
            ours.recv()

        if args.loop == "uvloop":
            import uvloop

            uvloop.run(run(args, api_url, reset))
        else:
            asyncio.run(run(args, api_url, reset))
    finally:
        ours.send("stop")
        server.join(timeout=10)
        if server.is_alive():
            server.terminate()


if __name__ == "__main__":
    main()
