"""A session of every role, recorded with ``--scrub``: no seeded name, username, phone, address
or Telegram id is left in the file, and the scrubbed file replays the same flows (each stand-in
plays the part of the person it replaces, from the recording's role profiles)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from devkit.fakes import seed
from devkit.fakes.state import FakeWorld
from tests.devtools.support import run_cli
from tests.devtools.test_record_replay import SECRET, _act, prefix, webhooked

__all__ = ["prefix"]  # the fixture, shared with the record/replay round trip

PEOPLE = (seed.ADMIN, seed.MANAGER, seed.PLUMBER, seed.RESIDENT, seed.NEWCOMER, seed.MULTI_ROLE)


def _shape(transcript: str) -> Counter[tuple[str, ...]]:
    """Per chat, the Bot API methods the bot called and the reply keyboards it showed (the
    menu differs by role); names, ids and free texts aside."""
    chats: list[list[str]] = []
    for line in transcript.splitlines():
        if line.startswith("## chat"):
            chats.append([])
        elif chats and (m := re.match(r"< (\w+)", line)):
            chats[-1].append(m[1])
        elif chats and line.strip().startswith("keyboard"):
            chats[-1].append(line.strip())
    return Counter(tuple(c) for c in chats)


def _personal(world: FakeWorld) -> list[str]:
    found: list[str] = []
    for who in PEOPLE:
        user = world.users[who.id]
        found += [
            str(who.telegram_id),
            user.first_name or "",
            user.username or "",
            user.phone or "",
        ]
    found += [b.address for b in world.buildings.values()]
    return [v for v in found if v]


@pytest.mark.timeout(600)
async def test_a_scrubbed_session_of_every_role_replays_the_same_flows(
    tmp_path: Path, prefix: str, replay_database: str
) -> None:
    env = {
        "REDIS_KEY_PREFIX": prefix,
        "INGEST_RECORD": "true",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "DATABASE_URL": replay_database,
    }
    async with webhooked(env, prefix, replay_database) as live:
        assert live.services is not None
        world = live.services
        sent = []
        for who in PEOPLE:
            rec = world.users[who.id]
            user = live.telegram.user(
                who.telegram_id,
                rec.first_name or "X",
                rec.language_code,
                last_name=rec.last_name,
                username=rec.username,
            )
            sent.append(await _act(live, user.send_command("start")))
            sent.append(await _act(live, user.send_command("help")))
        resident = live.telegram.user(seed.RESIDENT.telegram_id, "R", "ru")
        sent.append(await _act(live, resident.send_text(None, "Мои заявки")))
        live_text = live.transcript(0).render()
        services = {f"{n.upper()}_SERVICE_URL": u for n, u in live.service_urls.items()}
        scrubbed = tmp_path / "scrubbed.jsonl"
        done = await run_cli(
            "record",
            "--out",
            str(scrubbed),
            "--count",
            str(len(sent)),
            "--scrub",
            env=env | services,
        )
        assert done.code == 0, done.stderr
        personal = _personal(world)

    text = scrubbed.read_text()
    for value in personal:
        assert value not in text, value
    profiles = [json.loads(line)["profile"] for line in text.splitlines() if '"profile"' in line]
    assert sorted(p["roles"][0] for p in profiles) == sorted(
        world.users[w.id].roles[0] for w in PEOPLE
    )
    assert "Мои заявки" in text  # the menu label: the bot's word, kept so the branch replays

    replayed = await run_cli("replay", str(scrubbed), env={"DATABASE_URL": replay_database})
    assert replayed.code == 0, replayed.stderr
    assert _shape(replayed.stdout) == _shape(live_text)
    menus = {k for shape in _shape(live_text) for k in shape if k.startswith("keyboard:")}
    assert len(menus) >= 3  # admin, manager, executor, resident menus differ: roles matter
