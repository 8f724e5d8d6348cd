"""``bot-gateway replay``: a JSONL of updates through the real pipeline, the transcript out.

Exit status: 0 done (and, with ``--expect``, the transcript matched); 1 the transcript differs
from the expected one (a unified diff is printed); 2 bad input (unreadable file, bad settings,
unknown handler); 3 the run failed (the worker did not start, updates not handled in time).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import asyncpg

from devkit.tools.compare import transcript_diff
from devkit.tools.harness import ReplayHarness
from devkit.tools.profiles import apply_profiles
from devkit.tools.results import RunResult
from devkit.tools.updates import UpdateFileError, UpdateItem, load_profiles, load_updates
from shared.logs import get_logger
from shared.settings import SettingsError
from workers.pipeline.drain import HandlerFactory

__all__ = ["EXIT_BAD_INPUT", "EXIT_DIFFERS", "EXIT_FAILED", "ReplayOptions", "replay_file"]

EXIT_DIFFERS = 1
EXIT_BAD_INPUT = 2
EXIT_FAILED = 3

log = get_logger(__name__)
Echo = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    path: Path
    speed: float | None = None  # None: everything at once
    expect: Path | None = None
    fake_services: bool = True
    fmt: Literal["text", "json"] = "text"
    handler: str = "workers.bot.runtime:create_handler"
    out: Path | None = None
    timeout: float = 120.0
    relaxed: bool = True
    # A database of the run's own (created, migrated, dropped): what one replay stores (users'
    # languages, sessions) can neither change the next replay's answers nor linger in the
    # developer's database. The Redis key prefix is the run's own already (the harness).
    isolated: bool = True


def _load(path: Path, err: Echo) -> list[UpdateItem] | None:
    try:
        return load_updates(path)
    except OSError as exc:
        err(f"replay: cannot read {path}: {exc.strerror or type(exc).__name__}")
    except UpdateFileError as exc:
        err(f"replay: {exc}")
    return None


def _read_expected(path: Path, err: Echo) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        err(f"replay: cannot read {path}: {exc.strerror or type(exc).__name__}")
        return None


class ScratchDatabaseError(RuntimeError):
    pass


@contextlib.asynccontextmanager
async def _scratch_database() -> AsyncIterator[str]:
    from devkit.tools.scratchdb import migrated_scratch_database
    from shared.settings import load_database_settings, mask_url

    server = load_database_settings().url
    try:
        async with migrated_scratch_database(server, "_replay") as url:
            yield url
    except (OSError, asyncpg.PostgresError) as exc:
        raise ScratchDatabaseError(
            f"cannot create a scratch database on {mask_url(server)} ({type(exc).__name__}); "
            "use --shared-database to replay against the configured one"
        ) from None


async def _run(opts: ReplayOptions, factory: HandlerFactory, items: list[UpdateItem]) -> RunResult:
    async with contextlib.AsyncExitStack() as stack:
        overrides: dict[str, str] = {}
        if opts.isolated:
            overrides["DATABASE_URL"] = await stack.enter_async_context(_scratch_database())
        harness = await stack.enter_async_context(
            ReplayHarness(
                handler_factory=factory,
                fake_services=opts.fake_services,
                relaxed=opts.relaxed,
                overrides=overrides,
            )
        )
        if harness.services is not None:
            # A scrubbed recording's stand-ins play the parts of the people they replace.
            apply_profiles(harness.services, load_profiles(opts.path))
        return await harness.run(items, speed=opts.speed, timeout=opts.timeout)


async def replay_file(opts: ReplayOptions, echo: Echo, err: Echo) -> int:
    """Run one replay; ``echo`` prints to stdout, ``err`` to stderr. Returns the exit status."""
    from workers.cli import HandlerLoadError, load_handler_factory

    items = _load(opts.path, err)
    if items is None:
        return EXIT_BAD_INPUT
    expected = _read_expected(opts.expect, err) if opts.expect is not None else None
    if opts.expect is not None and expected is None:
        return EXIT_BAD_INPUT
    try:
        factory = load_handler_factory(opts.handler)
    except HandlerLoadError as exc:
        err(f"replay: {exc}")
        return EXIT_BAD_INPUT
    try:
        result = await _run(opts, factory, items)
    except ScratchDatabaseError as exc:
        err(f"replay: {exc}")
        return EXIT_FAILED
    except SettingsError as exc:
        err(f"configuration error: {exc}")
        return EXIT_BAD_INPUT
    except TimeoutError as exc:
        err(f"replay: {exc}")
        return EXIT_FAILED
    except (OSError, RuntimeError) as exc:
        log.error("replay_failed", error=type(exc).__name__)
        err(f"replay failed: {type(exc).__name__}: {exc}")
        return EXIT_FAILED
    text = result.transcript.render() if opts.fmt == "text" else result.transcript.render_json()
    if opts.out is not None:
        opts.out.write_text(text, encoding="utf-8")
    if expected is None:
        if opts.out is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            echo(f"transcript of {len(items)} update(s) written to {opts.out}")
        return 0
    assert opts.expect is not None
    diff = transcript_diff(expected, text, str(opts.expect))
    if diff:
        echo(diff)
        err(f"replay: the transcript differs from {opts.expect}")
        return EXIT_DIFFERS
    echo(f"transcript matches {opts.expect} ({len(items)} update(s))")
    return 0
