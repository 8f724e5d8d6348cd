"""Operator commands: ``bot-gateway queue stats``, ``bot-gateway dlq list|show|requeue|purge``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import typer
from redis.asyncio import Redis
from redis.exceptions import RedisError

__all__ = ["register"]

T = TypeVar("T")

queue_app = typer.Typer(help="Inspect the update pipeline.", no_args_is_help=True)
dlq_app = typer.Typer(
    help="Dead-lettered updates: list, show, requeue, purge.", no_args_is_help=True
)


def _run(body: Callable[[Redis, Any], Awaitable[T]]) -> T:
    """Load settings, open Redis, run ``body(redis, scripts)``, close."""
    from shared.cli import settings_or_exit
    from shared.connections import connect_redis
    from shared.pipeline.keys import Keys
    from shared.pipeline.scripts import PipelineScripts, ScriptConfig
    from shared.settings import mask_url

    settings = settings_or_exit()
    scripts = PipelineScripts(
        Keys(settings.redis.key_prefix, settings.telegram.bot_id),
        ScriptConfig.from_settings(settings),
    )

    async def main() -> T:
        redis = connect_redis(settings.redis)
        try:
            return await body(redis, scripts)
        finally:
            await redis.aclose()

    try:
        return asyncio.run(main())
    except (RedisError, OSError) as exc:
        # Saying so beats a believable row of zeros from the wrong server.
        typer.echo(
            f"cannot reach Redis at {mask_url(settings.redis.url)} ({type(exc).__name__})", err=True
        )
        raise typer.Exit(3) from None


def _when(ts_ms: int) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@queue_app.command("stats")
def stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Pending updates, active chats, oldest pending age, DLQ size, per-worker in-flight."""
    from shared.pipeline.stats import collect_stats, diagnose

    async def body(redis: Redis, scripts: Any) -> dict[str, Any]:
        stats = await collect_stats(redis, scripts.keys)
        return {**stats.as_dict(), "warnings": await diagnose(redis, scripts.keys, stats)}

    result = _run(body)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    typer.echo(f"pending updates      {result['pending']}")
    typer.echo(f"active chats         {result['active_chats']}")
    typer.echo(f"oldest pending age   {result['oldest_pending_age_s']:.1f}s")
    typer.echo(f"dead letters         {result['dlq_size']}")
    typer.echo(f"arq queue depth      {result['arq_queue_depth']}")
    workers = sorted(set(result["inflight"]) | set(result["workers"]))
    typer.echo(f"workers              {len(result['workers'])} reporting")
    for worker in workers:
        typer.echo(f"  {worker:<32} in flight {result['inflight'].get(worker, 0)}")
    for warning in result["warnings"]:
        typer.echo(f"warning: {warning}")


@dlq_app.command("list")
def dlq_list(
    limit: Annotated[int, typer.Option(help="Entries to show.", min=1)] = 50,
    after: Annotated[str, typer.Option(help="Show entries after this id.")] = "-",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Dead letters, oldest first (no payloads)."""
    from shared.pipeline import dlq

    async def body(redis: Redis, scripts: Any) -> tuple[int, list[dlq.DeadLetter]]:
        return await dlq.count(redis, scripts), await dlq.list_entries(
            redis, scripts, limit=limit, after=after
        )

    total, entries = _run(body)
    if as_json:
        typer.echo(
            json.dumps({"total": total, "entries": [e.summary() for e in entries]}, indent=2)
        )
        return
    typer.echo(f"{total} dead letter(s)")
    for e in entries:
        typer.echo(
            f"{e.entry_id}  {_when(e.ts_ms)}  {e.ordering_key}  update {e.update_id}  "
            f"attempts {e.attempts}  {e.error[:80]}"
        )


@dlq_app.command("show")
def dlq_show(
    entry_id: Annotated[str, typer.Argument(help="Entry id from `dlq list`.")],
    payload: Annotated[bool, typer.Option("--payload", help="Also print the raw update.")] = False,
) -> None:
    """One dead letter in full."""
    from shared.pipeline import dlq

    entry = _run(lambda redis, scripts: dlq.get(redis, scripts, entry_id))
    if entry is None:
        typer.echo(f"no dead letter {entry_id}", err=True)
        raise typer.Exit(1)
    data = entry.summary()
    data["time"] = _when(entry.ts_ms)
    if payload:
        data["payload"] = entry.payload.decode("utf-8", "replace")
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@dlq_app.command("requeue")
def dlq_requeue(
    entry_ids: Annotated[list[str], typer.Argument(help="Entry ids from `dlq list`.")],
) -> None:
    """Put dead letters back at the TAIL of their chats (after everything pending now)."""
    from shared.pipeline import dlq

    async def body(redis: Redis, scripts: Any) -> list[str]:
        lines = []
        for entry_id in entry_ids:
            try:
                status, entry = await dlq.requeue(redis, scripts, entry_id)
            except KeyError:
                lines.append(f"{entry_id}: no such dead letter")
                continue
            where = {
                "queued": "appended to the tail of chat {ck}, behind its pending updates",
                "scheduled": "appended to the tail of chat {ck} (idle: activation started)",
                "present": "already pending again in chat {ck}; nothing changed",
            }[status].format(ck=entry.ordering_key)
            lines.append(f"{entry_id}: update {entry.update_id} {where}")
        return lines

    for line in _run(body):
        typer.echo(line)


@dlq_app.command("purge")
def dlq_purge(
    entry_ids: Annotated[list[str] | None, typer.Argument(help="Entry ids to delete.")] = None,
    purge_all: Annotated[bool, typer.Option("--all", help="Delete every dead letter.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete dead letters for good."""
    from shared.pipeline import dlq

    if purge_all == bool(entry_ids):
        typer.echo("give entry ids or --all (not both)", err=True)
        raise typer.Exit(2)
    if purge_all and not yes:
        typer.confirm("Delete every dead letter?", abort=True)
    ids = None if purge_all else list(entry_ids or [])
    n = _run(lambda redis, scripts: dlq.purge(redis, scripts, ids))
    typer.echo(f"deleted {n} dead letter(s)")


def register(app: typer.Typer) -> None:
    app.add_typer(queue_app, name="queue")
    app.add_typer(dlq_app, name="dlq")
