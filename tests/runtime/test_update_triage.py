"""Every update type and chat type is decided explicitly, in bounded time, whatever it contains.

The CPU bound (50 ms per update, measured with the thread's CPU clock) is a correctness bound,
not a speed target: aiogram's own validation of the same ``rich_message`` takes seconds to
minutes (exponential in its nesting), so a regression is orders of magnitude past it.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import pytest
from aiogram.types import Update
from prometheus_client import REGISTRY

from devkit.fakes.telegram import FakeTelegramServer
from devkit.tools.schema_updates import UPDATE_TYPES, UpdateGenerator
from ingest.update_types import ALLOWED_UPDATES
from tests.runtime.conftest import RuntimeFactory, feed, texts_to
from workers.bot.core.context import UpdateContext
from workers.bot.runtime import UpdateProcessor
from workers.bot.runtime.decode import HANDLED_TYPES, KNOWN_TYPES, triage
from workers.pipeline.drain import UpdateMeta

CPU_BOUND = 0.050


def new_id() -> int:
    return 10_000_000 + secrets.randbelow(1_000_000_000)


def counter(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def nested_rich_text(depth: int) -> Any:
    text: Any = "кран"
    kinds = ("bold", "italic", "underline", "strikethrough", "spoiler")
    for level in range(depth):
        text = {
            "type": kinds[level % len(kinds)],
            "text": [text, "течёт", {"type": "code", "text": "x"}],
        }
    return text


def rich_update(update_id: int, chat_id: int, *, depth: int, blocks: int) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 7,
            "date": 1_717_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": "Aziz"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Aziz"},
            "rich_message": {
                "blocks": [
                    {"type": "paragraph", "text": nested_rich_text(depth)} for _ in range(blocks)
                ]
            },
        },
    }


def test_the_known_types_are_aiograms_and_ingest_asks_for_the_handled_ones() -> None:
    assert set(KNOWN_TYPES) == set(UPDATE_TYPES)
    assert set(ALLOWED_UPDATES) == set(HANDLED_TYPES)


def test_a_deeply_nested_rich_message_decodes_in_linear_time() -> None:
    raw = json.dumps(rich_update(1, 42, depth=10, blocks=1_000)).encode()
    started = time.thread_time()
    decided = triage(raw)
    update = decided.update(None)  # type: ignore[arg-type]
    spent = time.thread_time() - started
    assert decided.fate == "bot"
    assert isinstance(update, Update) and update.message is not None
    # The bot does not read rich messages: what it does not read never reaches aiogram.
    assert update.message.rich_message is None and update.message.text is None
    assert spent <= CPU_BOUND, f"{spent * 1000:.1f} ms of CPU for one update"


def test_deep_json_inside_an_update_is_invalid_not_an_error() -> None:
    raw = b'{"update_id": 1, "message": {"chat": ' + b"[" * 5_000 + b"]" * 5_000 + b"}}"
    assert triage(raw).fate == "invalid"


async def test_every_update_type_is_handled_or_ignored_within_the_bound(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime()
    processor = UpdateProcessor(runtime)
    generator = UpdateGenerator(seed=14, optional=1.0, max_depth=8)
    documents = [generator.update(name, i + 1) for i, name in enumerate(UPDATE_TYPES)]
    documents.append(rich_update(len(documents) + 1, new_id(), depth=10, blocks=1_000))
    for document in documents:
        raw = json.dumps(document).encode()
        contexts: list[UpdateContext] = []
        started = time.thread_time()
        await _run(processor, raw, document["update_id"], contexts)
        spent = time.thread_time() - started
        name = next(k for k in document if k != "update_id")
        assert spent <= CPU_BOUND, f"{name}: {spent * 1000:.1f} ms of CPU"


async def _run(
    processor: UpdateProcessor, raw: bytes, update_id: int, contexts: list[UpdateContext]
) -> None:
    # Whatever the generated content: the callback returns (acknowledged) or asks for a retry
    # with a pipeline error, never a TypeError from a handler that cannot take the update.
    try:
        await processor(raw, UpdateMeta(update_id, "t", 1, 5))
    except Exception as exc:
        pytest.fail(f"update {update_id} raised {exc!r}")


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
async def test_messages_outside_private_chats_are_counted_and_never_handled(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, chat_type: str
) -> None:
    runtime = await make_runtime()
    chat = tg.state.add_chat(-new_id(), type=chat_type)
    user = tg.state.user(new_id(), "Aziz")
    labels = {"update_type": "message", "chat_type": chat_type}
    before = counter("bot_gateway_worker_updates_ignored_total", **labels)
    # A contact shared in a group has no sender in channels: this once reached contact_shared().
    contact = user.share_contact(chat=chat.id)
    contact["message"].pop("from", None)
    await feed(runtime, contact)
    await feed(runtime, user.send_command("echo", "hi", chat=chat.id))
    assert counter("bot_gateway_worker_updates_ignored_total", **labels) == before + 2
    assert texts_to(tg.state, chat.id) == []


async def test_a_button_under_a_group_message_is_ignored(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime()
    update = UpdateGenerator(seed=3).update("callback_query", new_id())
    query = update["callback_query"]
    query["message"] = {
        "message_id": 5,
        "date": 1_717_000_000,
        "chat": {"id": -new_id(), "type": "supergroup", "title": "Дом 5"},
    }
    labels = {"update_type": "callback_query", "chat_type": "supergroup"}
    before = counter("bot_gateway_worker_updates_ignored_total", **labels)
    await feed(runtime, update)
    assert counter("bot_gateway_worker_updates_ignored_total", **labels) == before + 1
    assert tg.state.calls_to("answerCallbackQuery") == []


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
async def test_added_to_a_group_the_bot_says_so_in_both_languages_and_leaves(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer, chat_type: str
) -> None:
    runtime = await make_runtime()
    chat = tg.state.add_chat(-new_id(), type=chat_type)
    user = tg.state.user(new_id(), "Aziz")
    update = member_update(tg, chat.id, chat_type, user.to_json(), "left", "member")
    before = counter(
        "bot_gateway_worker_updates_processed_total", update_type="my_chat_member", outcome="left"
    )
    await feed(runtime, update)
    [note] = texts_to(tg.state, chat.id)
    assert "личных сообщениях" in note and "shaxsiy xabarlarda" in note
    assert [c.params["chat_id"] for c in tg.state.calls_to("leaveChat", ok=True)] == [chat.id]
    after = counter(
        "bot_gateway_worker_updates_processed_total", update_type="my_chat_member", outcome="left"
    )
    assert after == before + 1


async def test_removed_from_a_group_the_bot_does_nothing(
    make_runtime: RuntimeFactory, tg: FakeTelegramServer
) -> None:
    runtime = await make_runtime()
    chat = tg.state.add_chat(-new_id(), type="group")
    user = tg.state.user(new_id(), "Aziz")
    await feed(runtime, member_update(tg, chat.id, "group", user.to_json(), "member", "kicked"))
    assert tg.state.calls_to("leaveChat") == []
    assert texts_to(tg.state, chat.id) == []


def member_update(
    tg: FakeTelegramServer,
    chat_id: int,
    chat_type: str,
    sender: dict[str, Any],
    old: str,
    new: str,
) -> dict[str, Any]:
    bot = tg.state.bot_user()
    return {
        "update_id": new_id(),
        "my_chat_member": {
            "chat": {"id": chat_id, "type": chat_type, "title": "Дом 5"},
            "from": sender,
            "date": 1_717_000_000,
            "old_chat_member": {"status": old, "user": bot},
            "new_chat_member": {"status": new, "user": bot, "until_date": 0},
        },
    }
