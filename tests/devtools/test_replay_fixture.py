"""The ``replay`` fixture itself: conversation and batch modes against the real runtime."""

from __future__ import annotations

import json

import pytest

from tests.devtools.echo_bot import create_router
from tests.replay_plugin import Replay

pytestmark = pytest.mark.replay(routers=[create_router])

RESIDENT = 100005  # a seeded approved resident of the fake services


async def test_a_conversation_step_by_step(replay: Replay) -> None:
    user = replay.user(RESIDENT, "Aziz", language_code="uz")
    turn = await replay.command(user, "hello")
    assert turn.text == "Hello, Aziz! Shall we go on?"
    assert turn.buttons() == ["Yes", "No"]
    turn = await replay.press(user, "Yes")
    assert turn.methods == ["answerCallbackQuery", "editMessageText"]
    assert turn.text == "You said yes."
    assert all(c.ok for c in turn.calls)
    turn = await replay.text(user, "plain words")
    assert turn.texts == ["echo: plain words"]
    rendered = replay.transcript().render()
    assert f"## chat {RESIDENT}" in rendered
    assert "> callback_query from 100005: [Yes] data=go:yes" in rendered


async def test_fsm_state_survives_between_updates(replay: Replay) -> None:
    user = replay.user(7_700_001, "Lola")
    assert (await replay.command(user, "count")).text == "count 1"
    assert (await replay.command(user, "count")).text == "count 2"


async def test_a_batch_of_updates_from_several_chats(replay: Replay) -> None:
    a, b = replay.user(7_700_011, "Ann"), replay.user(7_700_012, "Bob")
    # Updates built by the simulated users, fed in one batch through Pipeline.enqueue_many.
    updates = [a.send_text(None, "one"), b.send_text(None, "uno"), a.send_text(None, "two")]
    result = await replay.run(updates)
    assert result.texts(a.id) == ["echo: one", "echo: two"]
    assert result.texts(b.id) == ["echo: uno"]
    assert [r.status.value for r in result.enqueued] == ["scheduled", "scheduled", "queued"]
    assert result.text.index("> message from 7700011: one") < result.text.index("echo: one")


async def test_a_failing_update_is_retried_then_dead_lettered(replay: Replay) -> None:
    replay.configure(routers=[create_router], env={"PIPELINE_MAX_ATTEMPTS": "2"})
    user = replay.user(7_700_021, "Dan")
    result = await replay.run([user.send_command("outage"), user.send_text(None, "after")])
    uid = result.enqueued[0].update_id
    assert uid in result.dead_lettered
    assert "ServiceUnavailable" in result.dead_lettered[uid]
    assert result.texts(user.id)[-1] == "echo: after"  # the chat went on
    assert f"~ retry of update {uid} (attempt 2)" in result.text
    assert f"! update {uid} dead-lettered after 2 attempt(s)" in result.text


async def test_a_handler_named_like_the_worker_option_and_files(replay: Replay, tmp_path) -> None:
    replay.configure(handler="tests.devtools.echo_bot:create_changed_handler")
    user = replay.user(7_700_031, "Sam")
    path = tmp_path / "updates.jsonl"
    path.write_text(json.dumps(user.send_command("hello")) + "\n")
    result = await replay.run(path)
    assert result.texts(user.id) == ["Hi, Sam! Continue?"]
    with pytest.raises(RuntimeError, match="before the system starts"):
        replay.configure(routers=[create_router])


# Feature routers are module-level objects reused by every test's new Dispatcher.
SHARED_ROUTER = create_router()


@pytest.mark.parametrize("user_id", [7_700_041, 7_700_042])
async def test_a_module_level_router_serves_test_after_test(replay: Replay, user_id: int) -> None:
    replay.configure(routers=[SHARED_ROUTER])
    user = replay.user(user_id, "Kim")
    assert (await replay.text(user, "again")).text == "echo: again"


async def test_by_default_the_real_runtime_with_the_feature_routers(replay: Replay) -> None:
    replay.configure()  # no marker arguments: workers.bot.runtime's feature routers
    user = replay.user(7_700_051, "Ona")
    await replay.command(user, "start")
    rendered = replay.transcript().render()
    assert "> message from 7700051: /start" in rendered  # the worker took it
    # Start-up published the command menus through the fake, as a worker does.
    menus = replay.telegram.calls_to("setMyCommands", ok=True)
    assert any(c.params.get("scope") == {"type": "default"} for c in menus)


async def test_speed_keeps_the_recorded_spacing_compressed(replay: Replay) -> None:
    user = replay.user(7_700_061, "Tim")
    first, second = user.send_text(None, "one"), user.send_text(None, "two")
    recorded = [{"ts": 1000.0, "update": first}, {"ts": 1002.0, "update": second}]
    await replay.run(recorded, speed=4)  # 2 s recorded -> 0.5 s
    # When each update entered the pipeline: its dedup entry holds the Redis time in ms.
    seen_key = replay.pipeline.keys.chat(f"c{user.id}")[3]
    seen = dict(await replay.pipeline.redis.zrange(seen_key, 0, -1, withscores=True))
    gap = (seen[str(second["update_id"]).encode()] - seen[str(first["update_id"]).encode()]) / 1000
    assert 0.49 <= gap < 1.5, gap
    assert replay.transcript().texts(user.id) == ["echo: one", "echo: two"]
