"""``bot-gateway chat``: be a Telegram user of the bot, in a terminal, against the fake Bot API.

It talks to the fake's HTTP control API, so it works from another terminal while ``bot-gateway
dev`` runs: what you type becomes an update the fake delivers to ingest, and the real pipeline and
workers answer. Lines are read from stdin, so a script can drive it (``printf '/start\\n' | …``).

Typed lines:

    any text, /command      sent to the bot as a message
    /say TEXT               send TEXT exactly as typed (e.g. a number, or a line like "/as")
    1, 2 …  or /press LABEL press a button by its number, or by (part of) its label;
                            /press Yes|Ha tries each alternative
    /contact [PHONE]        share a contact (your own number by default)
    /photo [CAPTION]        send a photo
    /location [LAT LON]     send a location
    /as ROLE|USER_ID        become a seeded user of the fake services (admin, manager, executor,
                            electrician, resident, neighbour, newcomer, pending, blocked, multi)
                            or any Telegram user id
    /who                    who you are now
    /refresh                show what the bot sent meanwhile (notifications arrive on their own;
                            switching with /as shows what that user was sent while away)
    /?                      this help
    /quit                   leave (so does end of input)
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from devkit.tools.chat_view import Button, ChatView
from devkit.tools.fake_api import FakeApiError, FakeTelegramClient

__all__ = ["ROLES", "ChatSession", "Person", "chat_command", "person_for", "resolve_api_url"]

HELP = __doc__.split("Typed lines:", 1)[1].strip("\n") if __doc__ else ""

_TASHKENT = (41.311081, 69.240562)

# Role name → the seeded person of devkit.fakes.seed who has it.
ROLES = {
    "admin": "ADMIN",
    "manager": "MANAGER",
    "executor": "PLUMBER",
    "plumber": "PLUMBER",
    "electrician": "ELECTRICIAN",
    "resident": "RESIDENT",
    "applicant": "RESIDENT",
    "neighbour": "NEIGHBOUR",
    "newcomer": "NEWCOMER",
    "pending": "PENDING_RESIDENT",
    "blocked": "BLOCKED",
    "multi": "MULTI_ROLE",
}


@dataclass(frozen=True, slots=True)
class Person:
    telegram_id: int
    first_name: str
    language_code: str | None
    last_name: str | None = None
    username: str | None = None
    role: str | None = None


def person_for(ref: str) -> Person:
    """The seeded user with role ``ref``, or a plain Telegram user when ``ref`` is an id."""
    from devkit.fakes import seed
    from devkit.fakes.state import FakeWorld

    key = ref.strip().lower()
    if key.lstrip("-").isdigit():
        telegram_id = int(key)
    elif key in ROLES:
        telegram_id = getattr(seed, ROLES[key]).telegram_id
    else:
        raise ValueError(f"unknown role {ref!r}; one of: {', '.join(sorted(ROLES))} or a user id")
    record = FakeWorld.seeded().user_by_telegram(telegram_id)
    if record is None:
        return Person(telegram_id, f"User {telegram_id}", "ru")
    return Person(
        telegram_id,
        record.first_name or f"User {telegram_id}",
        record.language_code,
        record.last_name,
        record.username,
        record.active_role,
    )


def resolve_api_url(api_url: str | None, data_dir: Path) -> str:
    """``--api-url``, else the running dev stack's (``<data dir>/dev.json``), else the settings'
    ``TELEGRAM_API_URL`` when it is a loopback address."""
    if api_url:
        return api_url.rstrip("/")
    state = data_dir / "dev.json"
    if state.is_file():
        try:
            url = json.loads(state.read_text()).get("telegram_api_url")
        except ValueError:
            url = None
        if isinstance(url, str) and url:
            return url
    from devkit.tools.overrides import load_settings_with

    try:
        configured = load_settings_with({}).telegram.api_url
    except Exception:  # no usable settings: say what to pass instead
        configured = ""
    if configured.startswith(("http://127.0.0.1", "http://localhost")):
        return configured
    raise ValueError(
        f"no fake Bot API found: start `bot-gateway dev` (it writes {state}) or pass --api-url"
    )


class ChatSession:
    """One user's side of the chat; ``handle(line)`` acts and prints the bot's answers."""

    def __init__(
        self,
        client: FakeTelegramClient,
        out: Callable[[str], None],
        *,
        reply_timeout: float = 15.0,
        settle: float = 0.8,
        handled: Callable[[int, int], bool] | None = None,
        memory: SeenMemory | None = None,
    ) -> None:
        self.client = client
        # (chat id, update id) → the pipeline is done with it: lets a deliberately silent bot
        # (a throttled message) end the wait at once instead of after reply_timeout.
        self.handled = handled
        self.out = out
        self.view = ChatView(out)
        self.reply_timeout = reply_timeout
        self.settle = settle
        self.person: Person | None = None
        self.after_seq = 0
        # Per user: the last transcript entry already shown (see become()); kept across chat
        # sessions against the same dev stack when a memory is given.
        self.memory = memory
        self.seen: dict[int, int] = memory.load() if memory is not None else {}

    def become(self, person: Person) -> None:
        self.client.create_user(
            person.telegram_id,
            person.first_name,
            person.language_code,
            person.last_name,
            person.username,
        )
        self.remember()
        self.person = person
        # What this user was sent while someone else was typing (notifications) is shown now;
        # a user met for the first time is shown everything the bot already sent them.
        self.after_seq = self.seen.get(person.telegram_id, 0)
        self.view = ChatView(self.out)
        role = f", {person.role}" if person.role else ""
        self.out(
            f"(you are {person.first_name} [{person.telegram_id}{role}], "
            f"language {person.language_code or '-'})"
        )
        self._collect(quiet=True)

    def remember(self) -> None:
        """Note how far the current user has read (and save it, with a memory)."""
        if self.person is not None:
            self.seen[self.person.telegram_id] = self.after_seq
        if self.memory is not None:
            self.memory.save(self.seen)

    def _who(self) -> str:
        if self.person is None:
            return "(nobody yet: /as ROLE)"
        p = self.person
        name = " ".join(part for part in (p.first_name, p.last_name) if part)
        handle = f" @{p.username}" if p.username else ""
        role = f", {p.role}" if p.role else ""
        return (
            f"(you are {name}{handle} [{p.telegram_id}{role}], language {p.language_code or '-'})"
        )

    @property
    def user_id(self) -> int:
        if self.person is None:
            raise RuntimeError("no user yet: /as ROLE first")
        return self.person.telegram_id

    def handle(self, line: str) -> bool:
        """Act on one typed line; False when the session should end."""
        text = line.rstrip("\n")
        if not text.strip():
            return True
        word, _, rest = text.strip().partition(" ")
        lowered = word.lower()
        if lowered in ("/quit", "/exit"):
            return False
        try:
            if not self._local(lowered, rest.strip()):
                self._send("text", text=text)
        except (FakeApiError, ValueError, LookupError) as exc:
            self.out(f"(error: {exc})")
        return True

    def _local(self, word: str, rest: str) -> bool:
        if word == "/?":
            self.out(HELP)
        elif word == "/who":
            self.out(self._who())
        elif word == "/say":
            if not rest:
                raise ValueError("/say needs the text to send")
            self._send("text", text=rest)
        elif word == "/as":
            self.become(person_for(rest))
        elif word == "/refresh":
            self._collect(quiet=True)
        elif word == "/contact":
            self._send("contact", **({"phone_number": rest} if rest else {}))
        elif word == "/photo":
            self._send("photo", caption=rest or None)
        elif word == "/location":
            parts = rest.split()
            lat, lon = (float(parts[0]), float(parts[1])) if len(parts) == 2 else _TASHKENT
            self._send("location", latitude=lat, longitude=lon)
        elif word == "/press":
            self._press(rest)
        elif word.isdigit() and not rest:
            self._press(word)
        else:
            return False
        return True

    def _press(self, ref: str) -> None:
        button = self.view.find(ref)
        if button is None:
            raise LookupError(f"no button {ref!r} on screen")
        self._press_button(button)

    def _press_button(self, button: Button) -> None:
        if button.inline:
            self._send(
                "press", message_id=button.message_id, button=button.index, label=button.label
            )
        elif button.request_contact:
            self._send("contact")
        elif button.request_location:
            self._send("location", latitude=_TASHKENT[0], longitude=_TASHKENT[1])
        else:
            self._send("text", text=button.label)

    def _send(self, action: str, label: str | None = None, **body: Any) -> None:
        if action == "press":
            self.out(f"(you pressed [{label}])")
        sent = self.client.act(self.user_id, action, **body)
        update_id = sent.get("update_id") if isinstance(sent, dict) else None
        self._collect(update_id if isinstance(update_id, int) else None)

    def _poll(self, timeout: float, entries: list[dict[str, Any]]) -> bool:
        batch = self.client.transcript(
            self.user_id, after_seq=self.after_seq, direction="out", timeout=timeout
        )
        entries.extend(batch)
        if batch:
            self.after_seq = max(int(e["seq"]) for e in batch)
        return bool(batch)

    def _silently_done(self, update_id: int | None, entries: list[dict[str, Any]]) -> bool:
        if self.handled is None or update_id is None:
            return False
        return self.handled(self.user_id, update_id) and not self._poll(self.settle, entries)

    def _collect(self, update_id: int | None = None, *, quiet: bool = False) -> None:
        """Print the bot's answers: wait for the first, then until it has been quiet a while.
        When the pipeline says the update is done and nothing came, stop waiting.

        ``quiet``: only what is already there (notifications; nothing awaited, no "no answer")."""
        deadline = time.monotonic() + (0.0 if quiet else self.reply_timeout)
        entries: list[dict[str, Any]] = []
        start = self.after_seq
        if quiet:
            self._poll(0.0, entries)
        watch = self.handled is not None and update_id is not None
        while True:
            remaining = deadline - time.monotonic()
            # A button's bare acknowledgement (no popup) is not the answer: the edit or message
            # the handler sends after its slow work is, so keep waiting for that.
            if any(_visible(e) for e in entries):
                if not self._poll(self.settle, entries):
                    break
                continue
            if remaining <= 0:
                break
            if self._poll(min(0.5, remaining) if watch else remaining, entries):
                continue
            if self._silently_done(update_id, entries):
                self.out("(the bot handled it and answered nothing)")
                return
        if not entries:
            if not quiet:
                self.out(f"(no answer within {self.reply_timeout:g}s)")
            return
        self.view.show(entries, self._keyboard_flags(start))

    def _keyboard_flags(self, after_seq: int) -> dict[str, tuple[bool, bool]]:
        flags: dict[str, tuple[bool, bool]] = {}
        for call in self.client.calls(self.user_id, after_seq=after_seq):
            markup = (call.get("params") or {}).get("reply_markup")
            if not isinstance(markup, dict):
                continue
            for row in markup.get("keyboard") or []:
                for b in row:
                    if isinstance(b, dict):
                        flags[str(b.get("text", ""))] = (
                            bool(b.get("request_contact")),
                            bool(b.get("request_location")),
                        )
        return flags


def run_chat(
    session: ChatSession, lines: Any, interactive: bool, ready_line: str | None = None
) -> None:
    while True:
        if ready_line is not None and not interactive:
            session.out(ready_line)
        if interactive:
            try:
                line = input("you> ")
            except EOFError:
                break
        else:
            line = lines.readline()
            if not line:
                break
            if line.strip():
                session.out(f"you> {line.rstrip()}")
        if not session.handle(line):
            break


def chat_command(
    as_: Annotated[
        str, typer.Option("--as", help="Start as this role or Telegram user id.")
    ] = "resident",
    api_url: Annotated[
        str | None, typer.Option(help="Base URL of the fake Bot API (default: the dev stack's).")
    ] = None,
    data_dir: Annotated[Path, typer.Option(help="Where `bot-gateway dev` keeps its state.")] = Path(
        ".devdata"
    ),
    reply_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for the bot's first answer.")
    ] = 15.0,
    settle: Annotated[
        float, typer.Option(help="Seconds of quiet after which an answer is complete.")
    ] = 0.8,
    ready_line: Annotated[
        str | None,
        typer.Option(
            help="When reading a script from stdin, print this line whenever the previous "
            "answer is complete (lets a driving program react to the bot)."
        ),
    ] = None,
) -> None:
    """Chat with the bot as a Telegram user, through the fake Bot API (type /? for help)."""
    try:
        base = resolve_api_url(api_url, data_dir)
        person = person_for(as_)
    except ValueError as exc:
        typer.echo(f"chat: {exc}", err=True)
        raise typer.Exit(2) from None
    interactive = sys.stdin.isatty()
    with FakeTelegramClient(base) as client:
        session = ChatSession(
            client,
            lambda s: typer.echo(s),
            reply_timeout=reply_timeout,
            settle=settle,
            handled=pipeline_watch(data_dir),
            memory=chat_memory(data_dir),
        )
        try:
            session.become(person)
        except FakeApiError as exc:
            typer.echo(f"chat: {exc}", err=True)
            raise typer.Exit(2) from None
        if interactive:
            typer.echo("(type /? for help, /quit to leave)")
        try:
            run_chat(session, sys.stdin, interactive, ready_line)
        except KeyboardInterrupt:
            typer.echo("")
        finally:
            session.remember()


def _visible(entry: dict[str, Any]) -> bool:
    return entry.get("kind") != "callback_answer" or bool(entry.get("text"))


@dataclass(frozen=True, slots=True)
class SeenMemory:
    """How far each user has read, in the dev stack's data directory, valid for that stack's
    process only (a restarted fake numbers its transcript afresh)."""

    path: Path
    stack_pid: int

    def load(self) -> dict[int, int]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("stack_pid") != self.stack_pid:
            return {}
        seen = data.get("seen")
        return {int(k): int(v) for k, v in seen.items()} if isinstance(seen, dict) else {}

    def save(self, seen: dict[int, int]) -> None:
        body = {"stack_pid": self.stack_pid, "seen": {str(k): v for k, v in seen.items()}}
        with contextlib.suppress(OSError):  # a convenience: else the next session shows more
            self.path.write_text(json.dumps(body))


def chat_memory(data_dir: Path) -> SeenMemory | None:
    from devkit.tools.devstate import read_state

    state = read_state(data_dir)
    pid = (state or {}).get("pid")
    return SeenMemory(data_dir / "chat-seen.json", pid) if isinstance(pid, int) else None


def pipeline_watch(data_dir: Path) -> Callable[[int, int], bool] | None:
    """``(chat id, update id) → done`` read from the running dev stack's Redis: the update was
    queued (it is in the chat's dedup window) and has left the chat's inbox."""
    from devkit.tools.devstate import read_state

    state = read_state(data_dir)
    env = (state or {}).get("env") or {}
    token, url = env.get("TELEGRAM_BOT_TOKEN"), env.get("REDIS_URL")
    if not isinstance(token, str) or not isinstance(url, str):
        return None
    import redis

    from shared.pipeline.keys import Keys

    keys = Keys(str(env.get("REDIS_KEY_PREFIX") or "bgw"), int(token.split(":", 1)[0]))
    client = redis.Redis.from_url(url, socket_timeout=2)

    def done(chat_id: int, update_id: int) -> bool:
        ck = f"c{chat_id}"
        try:
            with client.pipeline(transaction=False) as pipe:
                pipe.zscore(f"{keys.chat_base(ck)}:seen", update_id)
                pipe.zscore(keys.inbox(ck), update_id)
                seen, pending = pipe.execute()
        except redis.RedisError:
            return False
        return seen is not None and pending is None

    return done
