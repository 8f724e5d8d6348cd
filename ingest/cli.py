"""``bot-gateway ingest``: the receiver, webhook or long polling per ``TELEGRAM_USE_WEBHOOK``."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)


def ingest(
    workers: Annotated[
        int, typer.Option("--workers", min=1, help="Server processes (webhook mode).")
    ] = 1,
    host: Annotated[str | None, typer.Option(help="Listen address [INGEST_HOST].")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port [INGEST_PORT].")] = None,
    server: Annotated[
        str, typer.Option(help="ASGI server for webhook mode: uvicorn or granian.")
    ] = "uvicorn",
) -> None:
    """Receive Telegram updates and make them durable in Redis before acknowledging them."""
    import uvloop

    from ingest.bot_api import BotApiError
    from ingest.server import EXIT_BAD_TOKEN, BadTokenExit, run_polling, run_webhook
    from shared.cli import settings_or_exit, setup_logging

    if server not in ("uvicorn", "granian"):
        raise typer.BadParameter("must be uvicorn or granian", param_hint="--server")
    settings = settings_or_exit()
    setup_logging(settings, service="ingest")
    listen_host = host or settings.ingest.host
    listen_port = settings.ingest.port if port is None else port
    try:
        if settings.telegram.use_webhook:
            run_webhook(
                settings,
                host=listen_host,
                port=listen_port,
                workers=workers,
                server="granian" if server == "granian" else "uvicorn",
            )
            return
        if workers > 1:
            typer.echo("ingest: long polling runs one process; --workers ignored", err=True)
        code = uvloop.run(run_polling(settings, host=listen_host, port=listen_port))
    except BadTokenExit as exc:
        typer.echo(f"ingest: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_TOKEN) from None
    except BotApiError as exc:  # setWebhook kept failing
        typer.echo(f"ingest: Telegram call failed: {exc}", err=True)
        raise typer.Exit(1) from None
    if code:
        raise typer.Exit(code)
