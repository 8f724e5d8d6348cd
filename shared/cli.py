"""The ``bot-gateway`` command.

Each subcommand imports its implementation lazily, so ``bot-gateway check-config`` does not pay
for aiogram or arq and a broken optional part cannot stop the others from starting.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from shared.settings import Settings, SettingsError, load_settings

COMMANDS_GROUP = "bot_gateway.commands"

app = typer.Typer(
    name="bot-gateway",
    help="Telegram gateway: ingest receiver, ordered arq workers, operator tools.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def settings_or_exit() -> Settings:
    """Load settings; on a bad value print one line naming the variable and exit with status 2."""
    try:
        return load_settings()
    except SettingsError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None


def setup_logging(settings: Settings, service: str | None = None) -> None:
    """Logging from the settings; with ``service``, error tracking too (when SENTRY_DSN is set)."""
    from shared.logs import configure_logging

    configure_logging(settings.app.log_level, settings.app.log_format, settings.secrets)
    if service is not None and settings.sentry.dsn is not None:
        from shared.errortracking import init_error_tracking

        init_error_tracking(settings, service)


@app.command("check-config")
def check_config(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Validate the settings and print the effective values, secrets masked."""
    settings = settings_or_exit()
    masked = settings.masked()
    if as_json:
        typer.echo(json.dumps(masked, indent=2, default=str))
        return
    for section, values in masked.items():
        typer.echo(f"[{section}]")
        for name, value in values.items():
            typer.echo(f"  {name}={value}")
    typer.echo("configuration OK")


@app.command("migrate")
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the gateway's database to the latest schema (alembic upgrade head)."""
    from shared.db.migrate import upgrade
    from shared.logs import configure_logging, get_logger
    from shared.settings import AppSection, load_database_settings, load_section

    try:
        db = load_database_settings()
        app_settings = load_section(AppSection)
    except SettingsError as exc:
        typer.echo(f"configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    configure_logging(app_settings.log_level, app_settings.log_format)
    try:
        upgrade(db.url, revision)
    except (OSError, ConnectionError) as exc:
        get_logger("bot_gateway.migrate").error("migration_failed", error=type(exc).__name__)
        typer.echo(f"migration failed: cannot reach the database ({type(exc).__name__})", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"database at {revision}")


def _register_optional() -> None:
    """Subcommands contributed by installed packages (entry point group ``bot_gateway.commands``).

    The product registers ``ingest``, ``worker``, ``queue`` and ``dlq``; the dev kit, when it is
    installed, adds ``dev``, ``chat``, ``record``, ``replay`` and ``fakes``. Discovery by entry
    point keeps this module below the packages it serves: it names none of them.
    """
    from importlib.metadata import entry_points

    for entry in sorted(entry_points(group=COMMANDS_GROUP), key=lambda e: e.name):
        entry.load()(app)


def main() -> None:
    _register_optional()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
