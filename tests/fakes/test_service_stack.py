"""The stack helper and ``bot-gateway fakes``."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import httpx
import pytest

from devkit.fakes.cli import fake_ports
from devkit.fakes.serve import free_port
from devkit.fakes.stack import run_fakes, telegram_fake_module
from shared.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_ports_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUEST_SERVICE_URL", "http://127.0.0.1:9103")
    monkeypatch.setenv("TELEGRAM_API_URL", "http://localhost:9181")
    ports = fake_ports(load_settings())
    assert ports["request"] == 9103 and ports["telegram"] == 9181
    monkeypatch.setenv("TELEGRAM_API_URL", "https://api.telegram.org")
    assert "telegram" not in fake_ports(load_settings())


async def test_one_world_behind_all_fakes_and_the_telegram_fake() -> None:
    async with run_fakes() as fakes, httpx.AsyncClient() as http:
        env = fakes.env()
        assert set(env) >= {"AUTH_SERVICE_URL", "ANALYTICS_SERVICE_URL"}
        headers = {"X-Service-Name": "bot-gateway", "X-Service-API-Key": fakes.apps["user"].api_key}
        created = await http.post(
            env["USER_SERVICE_URL"] + "/api/v1/users/",
            json={"telegram_id": 4_000_001},
            headers={**headers, "Idempotency-Key": "user-create:4000001"},
        )
        login = await http.post(
            env["AUTH_SERVICE_URL"] + "/api/v1/auth/login",
            json={"telegram_id": 4_000_001},
            headers=headers,
        )
        assert login.json()["user_id"] == created.json()["id"]
        if telegram_fake_module() is not None:
            assert fakes.telegram_url is not None and env["TELEGRAM_API_URL"] == fakes.telegram_url
            me = await http.get(f"{fakes.telegram_url}/bot123456:{'A' * 35}/getMe")
            assert me.json()["ok"] is True


def test_command_is_registered_as_bot_gateway_fakes() -> None:
    import typer

    from devkit.fakes.cli import register

    app = typer.Typer()
    register(app)
    assert [c.name for c in app.registered_commands] == ["fakes"]


async def test_cli_serves_until_interrupted() -> None:
    ports = {name: free_port() for name in ("auth", "user", "request", "shift", "analytics")}
    env = {
        **os.environ,
        **{
            f"{name.upper()}_SERVICE_URL": f"http://127.0.0.1:{port}"
            for name, port in ports.items()
        },
        "TELEGRAM_API_URL": "https://api.telegram.org",
    }
    process = await asyncio.create_subprocess_exec(
        # The command's own entry point, so other subcommands' imports cannot interfere.
        sys.executable, "-m", "devkit.fakes.cli", "fakes",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        async with httpx.AsyncClient() as http:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            healthy: set[str] = set()
            while healthy != set(ports):
                assert loop.time() < deadline, "fakes did not come up"
                assert process.returncode is None
                for name, port in ports.items():
                    try:
                        response = await http.get(f"http://127.0.0.1:{port}/health")
                    except httpx.TransportError:
                        continue
                    if response.json() == {"status": "ok", "service": name}:
                        healthy.add(name)
                await asyncio.sleep(0.05)
        process.send_signal(signal.SIGINT)
        output, _ = await asyncio.wait_for(process.communicate(), 15)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    text = output.decode()
    assert f"user       http://127.0.0.1:{ports['user']}" in text and "fakes stopped" in text
