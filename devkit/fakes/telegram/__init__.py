"""A fake Telegram Bot API server speaking the real HTTP protocol, for tests, benches and dev.

aiogram (``AiohttpSession(api=TelegramAPIServer.from_base(base_url))``) and plain HTTP clients
work against it unchanged. It validates what Telegram validates where bots break in production,
records every call, keeps a per-chat transcript, simulates users (text, commands, contacts, photos,
inline-button presses) and feeds their updates through ``getUpdates`` or a webhook.

    state = FakeTelegramState()
    async with fake_telegram_server(state) as tg:
        user = state.user(1001, "Aziz", "uz")
        user.send_command("start")
        call = await state.wait_for_call("sendMessage", chat_id=user.chat_id)
"""

from devkit.fakes.telegram.app import FakeTelegramApp, create_app
from devkit.fakes.telegram.errors import ApiError
from devkit.fakes.telegram.model import CallRecord, FakeChat, TranscriptEntry
from devkit.fakes.telegram.server import FakeTelegramServer, fake_telegram_server
from devkit.fakes.telegram.state import FakeTelegramState
from devkit.fakes.telegram.users import SimulatedUser

__all__ = [
    "ApiError",
    "CallRecord",
    "FakeChat",
    "FakeTelegramApp",
    "FakeTelegramServer",
    "FakeTelegramState",
    "SimulatedUser",
    "TranscriptEntry",
    "create_app",
    "fake_telegram_server",
]
