"""``bot-gateway dev`` from a clean environment: embedded servers, every part up, a scripted
``bot-gateway chat`` session through the real webhook → ingest → pipeline → workers path, and a
SIGTERM that stops the children before the servers and leaves no process behind.

The workers run the small test bot (``--handler``) so the session exercises buttons, edits,
reply keyboards and contacts; the bot's own flows are covered by ``test_acceptance``.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.devtools.devstack_support import (
    DevProcess,
    alive,
    clean_env,
    descendants,
    postmaster_pid,
)
from tests.devtools.support import run_cli

ECHO = "tests.devtools.echo_bot:create_handler"


@pytest.fixture(scope="module")
async def dev(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[DevProcess, Any]]:
    stack = DevProcess(tmp_path_factory.mktemp("devdata"), ("--handler", ECHO))
    state = await stack.start()
    try:
        yield stack, state
    finally:
        await stack.stop()


async def test_everything_comes_up_on_embedded_servers(dev: tuple[DevProcess, Any]) -> None:
    stack, state = dev
    assert state["redis_source"] == "embedded"
    assert state["postgres_source"] == "embedded"
    assert str(stack.data_dir) in state["database_url"]  # the socket lives in its data dir
    assert (stack.data_dir / "valkey").is_dir()
    for name in ("servers", "migrate", "fakes", "ingest", "worker-1", "worker-2"):
        assert any(line.startswith(f"{name:<10}| ") for line in stack.output), name
    banner = "\n".join(stack.output)
    # The commands are printed as this shell can type them (no reliance on an activated venv).
    assert re.search(r"  chat with the bot:  (bot-gateway|\S*/bin/bot-gateway) chat", banner)
    assert re.search(r"  record updates:     \S*bot-gateway record --out", banner)
    assert "REDIS_URL=" not in banner
    async with httpx.AsyncClient(timeout=5) as http:
        health = await http.get(f"{state['ingest_url']}/health")
        assert health.status_code == 200 and health.json()["mode"] == "webhook"
        for url in state["worker_metrics"]:
            metrics = await http.get(url)
            assert metrics.status_code == 200
            assert "bot_gateway_worker_" in metrics.text
        info = await http.get(f"{state['telegram_api_url']}/__fake__/chats")
        assert info.json()["ok"]


async def test_a_scripted_chat_session(dev: tuple[DevProcess, Any]) -> None:
    stack, _ = dev
    script = (
        "/hello\n1\n/phone\n/press share\n/press nothing-like-this\n"
        "/as executor\nhi there\n/contact +998911112233\n/photo the pipe\n/quit\nnever sent\n"
    )
    out = (await stack.chat(script)).splitlines()
    assert out == [
        "(you are Aziz [100005, applicant], language uz)",
        "you> /hello",
        "bot: Hello, Aziz! Shall we go on?",
        "     buttons: [1] Yes  [2] No",
        "you> 1",
        "(you pressed [Yes])",
        "(popup) chosen yes",
        "bot edited #2: You said yes.",
        "you> /phone",
        "bot: Your number, please.",
        "     keyboard: [1] Share my number (shares your contact)",
        "you> /press share",
        "bot: Thanks, +998901234567.",
        "you> /press nothing-like-this",
        "(error: no button 'nothing-like-this' on screen)",
        "you> /as executor",
        "(you are Bekzod [100003, executor], language uz)",
        "you> hi there",
        "bot: echo: hi there",
        "you> /contact +998911112233",
        "bot: Thanks, +998911112233.",
        "you> /photo the pipe",
        "bot: photo received: the pipe",
        "you> /quit",
    ]


async def test_operator_commands_find_the_running_stack(
    dev: tuple[DevProcess, Any], tmp_path: Path
) -> None:
    """From a shell with no REDIS_URL or token, in the directory where `dev` runs (its data in
    ``.devdata``), `queue stats`, `dlq list` and `record` read the stack's own Redis."""
    stack, state = dev
    await stack.chat("/hello\n/quit\n")  # at least one update recorded under the stack's prefix
    (tmp_path / ".devdata").symlink_to(stack.data_dir)
    stats = await run_cli("queue", "stats", "--json", env=clean_env(), inherit=False, cwd=tmp_path)
    assert stats.code == 0, stats.stderr
    assert f"using the dev stack in .devdata: redis {state['redis_url']}" in stats.stderr
    data = json.loads(stats.stdout)
    assert len(data["workers"]) == 2, data  # both of the stack's workers are reporting
    assert data["warnings"] == []
    dlq = await run_cli("dlq", "list", env=clean_env(), inherit=False, cwd=tmp_path)
    assert dlq.code == 0 and dlq.stdout.startswith("0 dead letter(s)"), dlq
    out = tmp_path / "rec.jsonl"
    rec = await run_cli(
        "record", "--out", str(out), "--count", "1", env=clean_env(), inherit=False, cwd=tmp_path
    )
    assert rec.code == 0, rec.stderr
    assert json.loads(out.read_text().splitlines()[0])["update"]["update_id"] >= 1
    # Without the stack's state (another directory), nothing is adopted: the command says so.
    alone = await run_cli(
        "queue",
        "stats",
        env=clean_env() | {"TELEGRAM_BOT_TOKEN": "1:" + "x" * 35},
        inherit=False,
        cwd=tmp_path / ".devdata",
    )
    assert "using the dev stack" not in alone.stderr


async def test_sigterm_stops_children_then_servers_and_leaves_nothing(
    dev: tuple[DevProcess, Any],
) -> None:
    stack, _ = dev
    tree = descendants(stack.pid)
    postmaster = postmaster_pid(stack.data_dir)
    assert postmaster is not None and alive(postmaster)
    assert len(tree) >= 6  # servers (+ valkey), fakes, ingest, two workers
    code = await stack.terminate()
    assert code == 0
    lines = stack.output
    stopping = lines.index("dev: stopping")
    last_worker = max(i for i, line in enumerate(lines) if "worker_stopped" in line)
    servers_stopped = lines.index(f"{'servers':<10}| servers stopped")
    assert stopping < last_worker < servers_stopped < lines.index("dev: stopped")
    leftovers = [pid for pid in {*tree, postmaster} if alive(pid)]
    for _ in range(50):  # processes reaped by init may take a moment to vanish
        if not leftovers:
            break
        await asyncio.sleep(0.1)
        leftovers = [pid for pid in leftovers if alive(pid)]
    assert leftovers == []
    assert not (stack.data_dir / "dev.json").exists()
