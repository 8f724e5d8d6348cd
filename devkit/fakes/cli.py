"""``bot-gateway fakes``: serve every fake on the ports the settings point at, until Ctrl-C.

Service ports come from ``*_SERVICE_URL``; the Telegram fake (when present) takes
``TELEGRAM_API_URL``'s port if that URL is a loopback one, otherwise it is not started.
"""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from shared.settings import Settings

__all__ = ["fake_ports", "register"]

LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
UPDATE_IDS_FILE = "fake-telegram-update-ids.json"


def fake_ports(settings: Settings) -> dict[str, int]:
    """Port per fake from the settings' URLs (``telegram`` only for a loopback API URL)."""
    services = settings.services
    ports = {
        name: urlsplit(getattr(services, f"{name}_service_url")).port or 80
        for name in ("auth", "user", "request", "shift", "analytics")
    }
    api = urlsplit(settings.telegram.api_url)
    if api.hostname in LOOPBACK:
        ports["telegram"] = api.port or 80
    return ports


async def _serve_forever(ports: dict[str, int], host: str, state_dir: Path | None) -> None:
    from devkit.fakes.seed import ADMIN, MANAGER, PLUMBER, RESIDENT
    from devkit.fakes.stack import run_fakes

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with run_fakes(ports, host=host, telegram="telegram" in ports) as fakes:
        if state_dir is not None and fakes.telegram_app is not None:
            fakes.telegram_app.state.updates.persist_ids(state_dir / UPDATE_IDS_FILE)
        for name, url in fakes.urls.items():
            typer.echo(f"{name:<10} {url}")
        if fakes.telegram_url:
            typer.echo(f"{'telegram':<10} {fakes.telegram_url}")
        typer.echo(
            "seeded telegram ids: "
            f"admin {ADMIN.telegram_id}, manager {MANAGER.telegram_id}, "
            f"plumber {PLUMBER.telegram_id}, resident {RESIDENT.telegram_id}"
        )
        typer.echo("fakes running; Ctrl-C stops them")
        await stop.wait()
    typer.echo("fakes stopped")


def register(app: typer.Typer) -> None:
    @app.command("fakes")
    def fakes(
        host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
        no_telegram: Annotated[
            bool, typer.Option("--no-telegram", help="Do not start the Telegram fake.")
        ] = False,
        state_dir: Annotated[
            Path | None,
            typer.Option(
                help="Keep the fake Bot API's update numbering here, so ids keep rising across "
                "restarts (the dev stack passes its data directory)."
            ),
        ] = None,
    ) -> None:
        """Serve the Auth, User, Request, Shift, Analytics (and Telegram) fakes until Ctrl-C."""
        from shared.cli import settings_or_exit, setup_logging

        settings = settings_or_exit()
        setup_logging(settings)
        ports = fake_ports(settings)
        if no_telegram:
            ports.pop("telegram", None)
        if state_dir is not None:
            state_dir.mkdir(parents=True, exist_ok=True)
        asyncio.run(_serve_forever(ports, host, state_dir))


def main() -> None:
    """``python -m devkit.fakes.cli fakes``: the same command without the rest of the CLI."""
    app = typer.Typer(add_completion=False, no_args_is_help=True)

    @app.callback()
    def _group() -> None:
        """Loopback fakes of the services the gateway calls."""

    register(app)
    app()


if __name__ == "__main__":
    main()
