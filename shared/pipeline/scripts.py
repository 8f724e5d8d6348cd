"""Typed calls of the per-chat Lua scripts in ``lua/`` (one atomic step each).

Every script gets the same key list and leading arguments (see ``lua/_common.lua``) and takes
``now`` explicitly: production passes ``None`` and the script reads the server clock, the model
tests pass their own time.  Calls use EVALSHA and load the script only when Redis answers NOSCRIPT,
so the steady state is one round trip per call; :func:`run_batch` does the same for a pipeline.

Memory: INGEST carries a ``#!lua`` shebang, so at Redis ``maxmemory`` (``noeviction``) Redis
refuses the whole call up front (OOM) and ingest answers 503; without it the script's first write
(a delete) let the call through. The drain side (claim, next, heartbeat, reap) is flagged
``allow-oom``: acking and dead-lettering free memory, and must keep working exactly then.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline as RedisPipeline
from redis.exceptions import NoScriptError, RedisError

from shared.pipeline.keys import Keys
from shared.settings import PipelineSettings, Settings, default_of

__all__ = [
    "ALLOW_OOM",
    "ARQ_JOB_TTL_MS",
    "DENY_OOM",
    "LuaScript",
    "PipelineScripts",
    "ReplicaAckMissing",
    "ScriptConfig",
    "Settlement",
    "Step",
    "StepKind",
    "run_batch",
]

# arq's default job-key lifetime (expires_extra_ms); activation jobs hand off before it runs out.
ARQ_JOB_TTL_MS = 86_400_000
WAKE_CAP = 64
NO_CAP = 2**53 - 1
# Script flags (Redis >= 7): refused as a whole at maxmemory / run even at maxmemory.
DENY_OOM = "#!lua"
ALLOW_OOM = "#!lua flags=allow-oom"


def _source(name: str) -> str:
    return (resources.files("shared.pipeline") / "lua" / name).read_text(encoding="utf-8")


class LuaScript:
    """One script, addressed by SHA1, loaded on demand."""

    def __init__(self, name: str, *, prelude: bool = True, shebang: str = "") -> None:
        self.name = name
        body = _source(f"{name}.lua")
        self.source = (_source("_common.lua") + "\n" + body) if prelude else body
        if shebang:
            self.source = f"{shebang}\n{self.source}"
        self.sha = hashlib.sha1(self.source.encode(), usedforsecurity=False).hexdigest()

    async def __call__(self, client: Redis, keys: Sequence[str], args: Sequence[Any]) -> Any:
        try:
            return await client.evalsha(self.sha, len(keys), *keys, *args)  # type: ignore[misc]
        except NoScriptError:
            await client.script_load(self.source)
            return await client.evalsha(self.sha, len(keys), *keys, *args)  # type: ignore[misc]

    def queue(self, pipe: RedisPipeline, keys: Sequence[str], args: Sequence[Any]) -> None:
        pipe.evalsha(self.sha, len(keys), *keys, *args)


class ReplicaAckMissing(RedisError):
    """Written on the primary, but fewer replicas than asked confirmed it in time (WAIT)."""


async def run_batch(
    client: Redis,
    calls: Sequence[tuple[LuaScript, Sequence[str], Sequence[Any]]],
    *,
    replicas: int = 0,
    replica_timeout_ms: int = 500,
) -> list[Any]:
    """Run many script calls in one round trip (non-transactional pipeline).

    Calls that met NOSCRIPT are retried after loading, and only those: each call is atomic on
    its own, and a call that failed with NOSCRIPT did nothing.

    ``replicas`` > 0: each pipeline ends with ``WAIT replicas timeout`` (it must travel on the
    connection that wrote), and :class:`ReplicaAckMissing` is raised when fewer replicas
    confirmed the writes: the caller must not acknowledge them.
    """
    if not calls:
        return []
    async with client.pipeline(transaction=False) as pipe:
        for script, keys, args in calls:
            script.queue(pipe, keys, args)
        if replicas:
            pipe.wait(replicas, replica_timeout_ms)
        results: list[Any] = await pipe.execute(raise_on_error=False)
    if replicas:
        _check_acks(results.pop(), replicas)
    missing = [i for i, r in enumerate(results) if isinstance(r, NoScriptError)]
    if missing:
        for script in {calls[i][0] for i in missing}:
            await client.script_load(script.source)
        async with client.pipeline(transaction=False) as pipe:
            for i in missing:
                script, keys, args = calls[i]
                script.queue(pipe, keys, args)
            if replicas:
                pipe.wait(replicas, replica_timeout_ms)
            retried: list[Any] = await pipe.execute(raise_on_error=False)
        if replicas:
            _check_acks(retried.pop(), replicas)
        for i, value in zip(missing, retried, strict=True):
            results[i] = value
    for r in results:
        if isinstance(r, Exception):
            raise r
    return results


def _check_acks(reply: Any, wanted: int) -> None:
    if isinstance(reply, Exception):
        raise reply
    if int(reply) < wanted:
        raise ReplicaAckMissing(f"{reply} of {wanted} replicas confirmed the write")


@dataclass(frozen=True, slots=True)
class ScriptConfig:
    """The numbers the scripts need, from settings (tests build their own)."""

    lease_ms: int = default_of(PipelineSettings, "lease_ms")
    max_attempts: int = default_of(PipelineSettings, "max_attempts")
    max_pending: int = default_of(PipelineSettings, "max_pending_per_chat")
    dedup_ttl_ms: int = default_of(PipelineSettings, "dedup_ttl") * 1000
    grace_ms: int = default_of(PipelineSettings, "reaper_grace_ms")
    job_ttl_ms: int = ARQ_JOB_TTL_MS
    max_pending_bytes: int = 0  # 0 = no byte budget
    dlq_max: int = 0  # 0 = the dead-letter stream is not capped

    @classmethod
    def from_settings(cls, settings: Settings) -> ScriptConfig:
        p = settings.pipeline
        return cls(
            lease_ms=p.lease_ms,
            max_attempts=p.max_attempts,
            max_pending=p.max_pending_per_chat,
            dedup_ttl_ms=p.dedup_ttl * 1000,
            grace_ms=p.reaper_grace_ms,
            max_pending_bytes=p.max_pending_bytes,
            dlq_max=p.dlq_max_entries,
        )


class StepKind(StrEnum):
    """What a claim/next step tells the drainer (the first element of the scripts' reply)."""

    ITEM = "ITEM"
    RELEASED = "RELEASED"
    YIELD = "YIELD"
    LOST = "LOST"
    STALE = "STALE"
    BUSY = "BUSY"
    WAIT = "WAIT"
    HANDOFF = "HANDOFF"


class Settlement(StrEnum):
    """How the drainer settles the head update (``next.lua``'s outcome argument)."""

    OK = "ok"
    FAIL = "fail"
    DEAD = "dead"
    DEFER = "defer"


@dataclass(frozen=True, slots=True)
class Step:
    """What a claim/next step told the drainer to do.

    ``kind``: ITEM (run ``uid``), RELEASED (inbox empty, chat idle), YIELD (lease given up, the
    job goes back to the queue), LOST (fenced out), STALE (an old activation), BUSY / WAIT
    (come back in ``wait_ms``), HANDOFF (the activation moved to a fresh job, ``epoch``).
    """

    kind: StepKind
    uid: int = 0
    payload: bytes = b""
    attempt: int = 0
    seen_ms: int | None = None
    now_ms: int = 0
    dead: int = 0
    wait_ms: int = 0
    epoch: str = ""
    trimmed: int = 0


def _s(v: Any) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def parse_step(reply: list[Any]) -> Step:
    kind = StepKind(_s(reply[0]))
    if kind in (StepKind.BUSY, StepKind.WAIT):
        return Step(kind, wait_ms=int(reply[1]))
    if kind is StepKind.HANDOFF:
        return Step(kind, epoch=_s(reply[1]))
    if kind is StepKind.STALE:
        return Step(kind)
    uid = _s(reply[1])
    seen = _s(reply[4])
    payload = reply[2]
    return Step(
        kind,
        uid=int(uid) if uid else 0,
        payload=payload if isinstance(payload, bytes) else str(payload).encode(),
        attempt=int(reply[3]),
        seen_ms=int(float(seen)) if seen else None,
        now_ms=int(reply[5]),
        dead=int(reply[6]),
        trimmed=int(reply[7]) if len(reply) > 7 else 0,
    )


def _now(now: int | None) -> str:
    return "" if now is None else str(int(now))


class PipelineScripts:
    """The per-chat state machine's steps for one deployment (key prefix and bot)."""

    ingest_script = LuaScript("ingest", shebang=DENY_OOM)
    claim_script = LuaScript("claim", shebang=ALLOW_OOM)
    next_script = LuaScript("next", shebang=ALLOW_OOM)
    heartbeat_script = LuaScript("heartbeat", shebang=ALLOW_OOM)
    reap_script = LuaScript("reap", shebang=ALLOW_OOM)
    abandon_script = LuaScript("abandon", shebang=ALLOW_OOM)

    def __init__(self, keys: Keys, config: ScriptConfig) -> None:
        self.keys = keys
        self.config = config

    def chat_keys(self, ck: str) -> list[str]:
        k = self.keys
        return [*k.chat(ck), k.active, k.dlq, k.queue, k.wake]

    def common_args(self, ck: str, now: int | None) -> list[Any]:
        c = self.config
        return [_now(now), ck, self.keys.job_id_base, c.job_ttl_ms, WAKE_CAP, c.dedup_ttl_ms]

    def ingest_call(
        self, ck: str, uid: int, payload: bytes, now: int | None = None, *, chat_cap: bool = True
    ) -> tuple[LuaScript, list[str], list[Any]]:
        """``chat_cap=False``: past ``max_pending`` too (the byte budget still holds)."""
        c = self.config
        cap = c.max_pending if chat_cap else NO_CAP
        args = [*self.common_args(ck, now), uid, payload, cap, "ingest", ""]
        args.append(c.max_pending_bytes)
        return self.ingest_script, self.chat_keys(ck), args

    async def ingest(
        self, client: Redis, ck: str, uid: int, payload: bytes, now: int | None = None
    ) -> tuple[str, str, bool]:
        """``(status, epoch, late)``; status QUEUED, SCHEDULED, DUPLICATE or FULL."""
        script, keys, args = self.ingest_call(ck, uid, payload, now)
        return parse_ingest(await script(client, keys, args))

    async def requeue(
        self,
        client: Redis,
        ck: str,
        uid: int,
        payload: bytes,
        dlq_id: str,
        now: int | None = None,
    ) -> tuple[str, str]:
        """Put a dead letter back at its chat's tail and drop its DLQ entry, atomically.

        ``(status, epoch)``; status QUEUED, SCHEDULED, PRESENT (already pending: nothing done)
        or GONE (the entry no longer exists: requeued or purged by someone else; nothing done).
        """
        args = [*self.common_args(ck, now), uid, payload, 0, "requeue", dlq_id, 0]
        status, epoch, _ = parse_ingest(await self.ingest_script(client, self.chat_keys(ck), args))
        return status, epoch

    async def claim(
        self,
        client: Redis,
        ck: str,
        epoch: str,
        token: str,
        *,
        handoff: bool = False,
        finish_job: bool = False,
        now: int | None = None,
    ) -> Step:
        """``finish_job``: when the step releases the chat (RELEASED), it also ends the arq job
        of ``epoch`` (arq's finish_job, keep_result 0), which the caller then must not run on."""
        c = self.config
        args = [*self.common_args(ck, now), epoch, token, c.lease_ms, c.max_attempts]
        args += ["1" if handoff else "0", c.dlq_max, "1" if finish_job else "0"]
        return parse_step(await self.claim_script(client, self.chat_keys(ck), args))

    async def next(
        self,
        client: Redis,
        ck: str,
        epoch: str,
        token: str,
        uid: int,
        outcome: str,
        *,
        error: str = "",
        yield_: bool = False,
        hold_ms: int = 0,
        finish_job: bool = False,
        now: int | None = None,
    ) -> Step:
        """Settle ``uid`` with a :class:`Settlement` (ok, fail, dead, defer: see next.lua);
        ``finish_job`` as for :meth:`claim`."""
        c = self.config
        args = [*self.common_args(ck, now), epoch, token, c.lease_ms, c.max_attempts, uid]
        args += [outcome, error, "1" if yield_ else "0", max(0, int(hold_ms)), c.dlq_max]
        args.append("1" if finish_job else "0")
        return parse_step(await self.next_script(client, self.chat_keys(ck), args))

    async def heartbeat(
        self, client: Redis, ck: str, epoch: str, token: str, *, now: int | None = None
    ) -> bool:
        args = [*self.common_args(ck, now), epoch, token, self.config.lease_ms]
        return bool(await self.heartbeat_script(client, self.chat_keys(ck), args))

    def reap_call(self, ck: str, now: int | None = None) -> tuple[LuaScript, list[str], list[Any]]:
        c = self.config
        args = [*self.common_args(ck, now), c.grace_ms, c.lease_ms]
        return self.reap_script, self.chat_keys(ck), args

    async def reap(self, client: Redis, ck: str, *, now: int | None = None) -> tuple[str, str]:
        script, keys, args = self.reap_call(ck, now)
        return parse_reap(await script(client, keys, args))

    async def abandon(
        self,
        client: Redis,
        ck: str,
        epoch: str,
        token: str,
        *,
        blocked_uid: int | None = None,
        error: str = "",
        now: int | None = None,
    ) -> str | None:
        """Hand a held chat to the other workers now (new epoch); with ``blocked_uid`` the head
        update, if it is that one, is dead-lettered at the next claim. The new epoch, or ``None``
        when ``token`` no longer holds the chat."""
        uid = "" if blocked_uid is None else str(blocked_uid)
        args = [*self.common_args(ck, now), epoch, token, uid, self.config.max_attempts, error]
        reply = await self.abandon_script(client, self.chat_keys(ck), args)
        return _s(reply[1]) if int(reply[0]) else None


def parse_ingest(reply: list[Any]) -> tuple[str, str, bool]:
    return _s(reply[0]), _s(reply[1]), bool(int(reply[2]))


def parse_reap(reply: list[Any]) -> tuple[str, str]:
    return _s(reply[0]), _s(reply[1])
