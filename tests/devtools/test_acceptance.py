"""The acceptance test of the whole product, as a developer meets it on a fresh machine.

``bot-gateway dev`` from a clean environment (embedded Valkey and PostgreSQL, migrations, fakes,
ingest by webhook, two workers running the real bot), then a ``bot-gateway chat`` session as the
seeded resident: ``/start`` → ``/create_request`` → every step → **Confirm**, and the fake request
service must have received the new request.

The chat is driven adaptively (it prints a marker line whenever the bot's answer is complete):
inline choices take the first button, media is skipped, a text prompt gets a description, and the
summary is confirmed — so the test follows the flow whatever its exact wording.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from tests.devtools.devstack_support import DevProcess, clean_env
from tests.devtools.support import ROOT, cli_argv

READY = "<<ready>>"
CONFIRM = re.compile(r"confirm|подтвер|tasdiq", re.IGNORECASE)
SKIP = re.compile(r"skip|пропус|o.tkaz|готово|tayyor|done", re.IGNORECASE)
AVOID = re.compile(r"cancel|отмен|bekor|edit|измен|tahrir|back|назад|orqaga|◀|▶", re.IGNORECASE)
NUMBER = re.compile(r"\b\d{6}-\d{3,}\b")
DESCRIPTION = "Oshxonada quvur oqyapti, suv polga tushyapti. Iltimos, tezroq keling."


def _handles_create_request() -> bool:
    """Whether a feature router registered in the runtime handles /create_request."""
    from aiogram.filters import Command

    from workers.bot.runtime.routers import feature_routers

    todo = feature_routers()
    while todo:
        router = todo.pop()
        todo.extend(router.sub_routers)
        for handler in router.message.handlers:
            if handler.flags.get("command") == "create_request":
                return True
            for flt in handler.filters or []:
                if isinstance(flt.callback, Command):
                    names = [
                        c if isinstance(c, str) else getattr(c, "command", None)
                        for c in flt.callback.commands
                    ]
                    if "create_request" in names:
                        return True
    return False


pytestmark = pytest.mark.skipif(
    not _handles_create_request(),
    reason="no feature router handling /create_request is registered in "
    "workers.bot.runtime.routers yet (the bot's features land separately)",
)


class ChatDriver:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.log: list[str] = []

    @classmethod
    async def start(cls, stack: DevProcess, as_: str = "resident") -> ChatDriver:
        proc = await asyncio.create_subprocess_exec(
            *cli_argv(
                "chat",
                "--data-dir",
                str(stack.data_dir),
                "--as",
                as_,
                "--ready-line",
                READY,
                "--settle",
                "1.5",
            ),
            cwd=ROOT,
            env=clean_env(),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        driver = cls(proc)
        await driver.block()
        return driver

    async def block(self) -> list[str]:
        assert self.proc.stdout is not None
        lines: list[str] = []
        while True:
            raw = await asyncio.wait_for(self.proc.stdout.readline(), 60)
            if not raw:
                raise AssertionError("chat ended:\n" + "\n".join(self.log))
            line = raw.decode().rstrip("\n")
            self.log.append(line)
            if line == READY:
                return lines
            lines.append(line)

    async def say(self, line: str) -> list[str]:
        assert self.proc.stdin is not None
        self.proc.stdin.write((line + "\n").encode())
        await self.proc.stdin.drain()
        return await self.block()

    async def close(self) -> None:
        if self.proc.returncode is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


def _inline(lines: list[str]) -> list[str]:
    """Labels of the inline buttons shown in this answer, in order."""
    for line in reversed(lines):
        if line.strip().startswith("buttons:"):
            return re.findall(
                r"\[\d+\] (.+?)(?=\s{2}\[\d+\]|$)", line.strip()[len("buttons:") :].strip()
            )
    return []


async def _create_request(chat: ChatDriver) -> str:
    out = await chat.say("/create_request")
    for _ in range(20):
        text = "\n".join(out)
        found = NUMBER.search(text)
        if found and not any(CONFIRM.search(b) for b in _inline(out)):
            return found.group(0)
        buttons = _inline(out)
        chosen = next((b for b in buttons if CONFIRM.search(b)), None)
        chosen = chosen or next((b for b in buttons if SKIP.search(b)), None)
        chosen = chosen or next((b for b in buttons if not AVOID.search(b)), None)
        if chosen is not None:
            out = await chat.say(f"/press {chosen}")
        else:
            out = await chat.say(DESCRIPTION)
    raise AssertionError("no request number after 20 steps:\n" + "\n".join(chat.log))


async def test_start_create_request_confirm(tmp_path_factory: pytest.TempPathFactory) -> None:
    stack = DevProcess(tmp_path_factory.mktemp("acceptance"))
    state: dict[str, Any] = await stack.start()
    chat: ChatDriver | None = None
    try:
        chat = await ChatDriver.start(stack)
        greeting = await chat.say("/start")
        assert any(line.startswith("bot: ") for line in greeting), chat.log
        number = await _create_request(chat)
        async with httpx.AsyncClient(timeout=5) as http:
            seen = await http.get(f"{state['services']['request']}/__fake__/calls")
        created = [
            c
            for c in seen.json()["items"]
            if c["method"] == "POST"
            and c["path"].rstrip("/").endswith("/requests")
            and c["status"] == 201
        ]
        assert len(created) == 1, (number, chat.log)
    finally:
        if chat is not None:
            await chat.close()
        await stack.stop()
