"""``bot-gateway dev | chat | record | replay``: the developer and operator tools."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

if TYPE_CHECKING:
    from shared.settings import Settings

__all__ = ["register"]


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _quiet_logging(verbose: bool) -> None:
    """Tools print their own output; logs (to stderr) only when asked for or on warnings."""
    from shared.cli import settings_or_exit
    from shared.logs import configure_logging

    settings = settings_or_exit()
    configure_logging("INFO" if verbose else "WARNING", settings.app.log_format, settings.secrets)


def replay(
    file: Annotated[Path, typer.Argument(help="JSONL of updates (bare or as recorded).")],
    speed: Annotated[
        float | None,
        typer.Option(help="Keep the recorded timing (1) or compress it (10 = ten times faster)."),
    ] = None,
    no_delay: Annotated[
        bool, typer.Option("--no-delay", help="Feed everything at once (the default).")
    ] = False,
    expect: Annotated[
        Path | None,
        typer.Option(help="Compare with a saved transcript; exit 1 with a diff if it differs."),
    ] = None,
    against_fakes: Annotated[
        bool,
        typer.Option(
            "--against-fakes/--configured",
            help="Fake services on free ports (default), or the configured *_SERVICE_URL ones. "
            "The Bot API is always the fake: the transcript is read from it.",
        ),
    ] = True,
    fmt: Annotated[str, typer.Option("--format", help="text (stable, readable) or json.")] = "text",
    handler: Annotated[
        str, typer.Option(help="Handler factory module:callable, as for `worker`.")
    ] = "workers.bot.runtime:create_handler",
    out: Annotated[
        Path | None, typer.Option(help="Write the transcript here instead of stdout.")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for every update.")] = 120.0,
    keep_limits: Annotated[
        bool,
        typer.Option(
            "--keep-limits",
            help="Keep the configured pacing and per-user rate limits (off by default: a fast "
            "replay would trip them).",
        ),
    ] = False,
    shared_database: Annotated[
        bool,
        typer.Option(
            "--shared-database",
            help="Use the configured DATABASE_URL as it is, instead of a scratch database of the "
            "run's own (created, migrated and dropped), which keeps replays repeatable.",
        ),
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at INFO.")] = False,
) -> None:
    """Feed a JSONL of updates through the real pipeline and worker; print the transcript."""
    from devkit.tools.replaying import ReplayOptions, replay_file

    if fmt not in ("text", "json"):
        raise typer.BadParameter("must be text or json", param_hint="--format")
    if speed is not None and speed <= 0:
        raise typer.BadParameter("must be positive", param_hint="--speed")
    _quiet_logging(verbose)
    chosen: Literal["text", "json"] = "json" if fmt == "json" else "text"
    options = ReplayOptions(
        path=file,
        speed=None if no_delay else speed,
        expect=expect,
        fake_services=against_fakes,
        fmt=chosen,
        handler=handler,
        out=out,
        timeout=timeout,
        relaxed=not keep_limits,
        isolated=not shared_database,
    )
    code = asyncio.run(replay_file(options, typer.echo, _err))
    if code:
        raise typer.Exit(code)


def record(
    out: Annotated[Path, typer.Option("--out", help="JSONL file to write ('-' = stdout).")],
    scrub: Annotated[
        bool,
        typer.Option(help="Replace names, usernames, phones, texts; remap ids consistently."),
    ] = False,
    follow: Annotated[
        bool, typer.Option(help="Keep waiting for new updates (until --count or Ctrl-C).")
    ] = False,
    count: Annotated[int | None, typer.Option(min=1, help="Stop after this many updates.")] = None,
    since: Annotated[
        str, typer.Option(help="Stream entry id to start after (0 = the oldest kept).")
    ] = "0",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log at INFO.")] = False,
) -> None:
    """Copy the ingest recording stream (INGEST_RECORD=true) into a JSONL file."""
    from shared.cli import settings_or_exit

    settings = settings_or_exit()
    _quiet_logging(verbose)
    asyncio.run(_record(settings, out, scrub, follow, count, since))


async def _record(
    settings: Settings,
    out: Path,
    scrub: bool,
    follow: bool,
    count: int | None,
    since: str,
) -> None:
    from redis.exceptions import RedisError

    from devkit.tools.recorder import record_key, record_stream, role_profiles
    from devkit.tools.scrub import Scrubber, bot_vocabulary
    from shared.clients import ServiceClients
    from shared.connections import create_redis

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    redis = create_redis(settings.redis.url)
    clients = ServiceClients.create(settings, redis) if scrub else None
    handle = sys.stdout if str(out) == "-" else out.open("w", encoding="utf-8")
    try:
        stats = await record_stream(
            redis,
            record_key(settings.redis.key_prefix),
            handle,
            scrubber=Scrubber(vocabulary=bot_vocabulary()) if scrub else None,
            follow=follow,
            count=count,
            since=since,
            stop=stop,
            profiles=role_profiles(clients) if clients is not None else None,
        )
    except RedisError as exc:
        _err(f"record: Redis error ({type(exc).__name__})")
        raise typer.Exit(3) from None
    finally:
        if handle is not sys.stdout:
            handle.close()
        if clients is not None:
            await clients.aclose()
        await redis.aclose()
    where = "stdout" if str(out) == "-" else str(out)
    skipped = f", {stats.skipped} skipped" if stats.skipped else ""
    _err(f"recorded {stats.written} update(s) to {where}{skipped}; last entry {stats.last_id}")


def register(app: typer.Typer) -> None:
    from devkit.tools.devstate import adopt_dev_stack

    # Registration runs before the command line is parsed: the operator commands then load
    # their settings with the running dev stack's Redis, prefix and token (when none are set).
    adopt_dev_stack(os.environ, sys.argv)
    app.command("replay")(replay)
    app.command("record")(record)
    from devkit.tools.chat import chat_command
    from devkit.tools.devstack import dev_command

    app.command("dev")(dev_command)
    app.command("chat")(chat_command)
