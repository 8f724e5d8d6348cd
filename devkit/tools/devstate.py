"""The running dev stack's coordinates, for the commands a developer runs beside it.

``bot-gateway dev`` writes ``<data dir>/dev.json`` (URLs, key prefix, and the environment its
children run with, minus real secrets). ``chat`` reads it for the fake Bot API; the operator
commands (``queue``, ``dlq``, ``record``, ``replay``) adopt its Redis, key prefix and bot token
when the shell configures none, so their numbers are the stack's, not a believable zero from
the wrong server. Nothing is adopted when the stack's process is gone.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

__all__ = [
    "ADOPTING_COMMANDS",
    "DEFAULT_DATA_DIR",
    "STATE_FILE",
    "adopt_dev_stack",
    "cli_name",
    "read_state",
]

DEFAULT_DATA_DIR = Path(".devdata")
STATE_FILE = "dev.json"
ADOPTING_COMMANDS = frozenset({"queue", "dlq", "record", "replay"})


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_state(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, Any] | None:
    """The running stack's state, or ``None`` (no file, unreadable, or its process is gone)."""
    try:
        state = json.loads((data_dir / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or not _alive(state.get("pid")):
        return None
    return state


def adopt_dev_stack(
    environ: MutableMapping[str, str],
    argv: list[str],
    data_dir: Path = DEFAULT_DATA_DIR,
) -> Mapping[str, str]:
    """Fill unset variables from the running stack's environment, for the commands that read
    the queue. Returns what was adopted (empty when nothing was)."""
    command = next((a for a in argv[1:] if not a.startswith("-")), "")
    if command not in ADOPTING_COMMANDS or environ.get("REDIS_URL"):
        return {}
    state = read_state(data_dir)
    if state is None:
        return {}
    stack_env = state.get("env")
    if not isinstance(stack_env, dict):
        return {}
    adopted = {k: str(v) for k, v in stack_env.items() if isinstance(k, str) and not environ.get(k)}
    environ.update(adopted)
    if adopted:
        sys.stderr.write(f"(using the dev stack in {data_dir}: redis {adopted.get('REDIS_URL')})\n")
    return adopted


def cli_name() -> str:
    """How to type ``bot-gateway`` in this shell: the bare name when PATH finds this install's,
    else its path (``.venv/bin/bot-gateway`` after ``make install``, venv not activated)."""
    script = Path(sys.executable).parent / "bot-gateway"
    on_path = shutil.which("bot-gateway")
    if on_path and Path(on_path).resolve() == script.resolve():
        return "bot-gateway"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)
