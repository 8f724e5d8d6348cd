"""Redis key layout of the update pipeline; the Lua scripts in ``lua/`` build the same names.

Per chat (``ck`` is the ordering key, e.g. ``c-1001234``) one hash-tagged family, so every per-chat
key lives in one slot::

    <prefix>:tg:{<bot>:<ck>}:q      ZSET  update_id -> order score    pending updates, head = next
    <prefix>:tg:{<bot>:<ck>}:p      HASH  update_id -> raw update     payloads
    <prefix>:tg:{<bot>:<ck>}:s      HASH  epoch gen owner until head att last hold free_at ...
    <prefix>:tg:{<bot>:<ck>}:seen   ZSET  update_id -> first seen ms  dedup window

Per bot::

    <prefix>:tg:<bot>:active        ZSET  ck -> activation ms         reaper / stats index
    <prefix>:tg:<bot>:dlq           STREAM dead letters: ck update_id attempts error ts payload
    <prefix>:tg:<bot>:wake          LIST  wake tokens workers block on (capped)
    <prefix>:tg:<bot>:pending_bytes STRING bytes of pending update payloads (the byte budget)
    <prefix>:arq:<bot>:drain        ZSET  the arq queue of activation jobs
    <prefix>:arq:<bot>:workers      ZSET  health-check key -> expiry ms of live workers
    arq:job:<prefix>:d:<bot>:<ck>:<epoch>   arq's own job key (arq's prefix is fixed; the id
                                            carries ours)

Every name starts with ``settings.redis.key_prefix`` except arq's fixed ``arq:job:`` /
``arq:in-progress:`` / ``arq:retry:`` prefixes, whose ids carry it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ARQ_IN_PROGRESS_PREFIX", "ARQ_JOB_PREFIX", "ARQ_RETRY_PREFIX", "DRAIN_FUNCTION", "Keys"]

# arq 0.28's fixed key prefixes (arq/constants.py); pinned by tests/pipeline/test_arq_contract.py.
ARQ_JOB_PREFIX = "arq:job:"
ARQ_IN_PROGRESS_PREFIX = "arq:in-progress:"
ARQ_RETRY_PREFIX = "arq:retry:"
# The arq function name of an activation job; the scripts write jobs that call it.
DRAIN_FUNCTION = "drain"


@dataclass(frozen=True, slots=True)
class Keys:
    """Names of every pipeline key for one deployment prefix and one bot."""

    prefix: str
    bot_id: int

    def chat_base(self, ck: str) -> str:
        return f"{self.prefix}:tg:{{{self.bot_id}:{ck}}}"

    def chat(self, ck: str) -> tuple[str, str, str, str]:
        """``(q, p, s, seen)`` of one chat, in the order the scripts take them."""
        base = self.chat_base(ck)
        return f"{base}:q", f"{base}:p", f"{base}:s", f"{base}:seen"

    def state(self, ck: str) -> str:
        return f"{self.chat_base(ck)}:s"

    def inbox(self, ck: str) -> str:
        return f"{self.chat_base(ck)}:q"

    def ck_from_state_key(self, key: str) -> str | None:
        """The ordering key of a ``...:s`` key found by SCAN, or None if it is not one of ours."""
        head = f"{self.prefix}:tg:{{{self.bot_id}:"
        if not key.startswith(head) or not key.endswith("}:s"):
            return None
        return key[len(head) : -3]

    @property
    def state_scan_pattern(self) -> str:
        # SCAN glob: braces are literal; only '*', '?' and '[' are special.
        return f"{self.prefix}:tg:{{{self.bot_id}:*}}:s"

    @property
    def bot_base(self) -> str:
        return f"{self.prefix}:tg:{self.bot_id}"

    @property
    def active(self) -> str:
        return f"{self.bot_base}:active"

    @property
    def dlq(self) -> str:
        return f"{self.bot_base}:dlq"

    @property
    def pending_bytes(self) -> str:
        """Derived from ``active`` inside the scripts (``_common.lua``): keep the two in step."""
        return f"{self.bot_base}:pending_bytes"

    @property
    def wake(self) -> str:
        return f"{self.bot_base}:wake"

    @property
    def queue(self) -> str:
        return f"{self.prefix}:arq:{self.bot_id}:drain"

    @property
    def job_id_base(self) -> str:
        """Activation job ids are ``<job_id_base><ck>:<epoch>``."""
        return f"{self.prefix}:d:{self.bot_id}:"

    def job_id(self, ck: str, epoch: str) -> str:
        return f"{self.job_id_base}{ck}:{epoch}"

    def job_key(self, ck: str, epoch: str) -> str:
        return ARQ_JOB_PREFIX + self.job_id(ck, epoch)

    def in_progress_key(self, job_id: str) -> str:
        return ARQ_IN_PROGRESS_PREFIX + job_id

    @property
    def health_prefix(self) -> str:
        """Per-replica arq health-check keys are ``<health_prefix><worker id>``."""
        return f"{self.prefix}:arq:{self.bot_id}:health:"

    @property
    def workers(self) -> str:
        """ZSET health-check key -> expiry ms of the live workers (no SCAN needed for stats)."""
        return f"{self.prefix}:arq:{self.bot_id}:workers"

    @property
    def reaper_name(self) -> str:
        """arq cron name of the reaper; its job ids are ``<name>:<run ms>``."""
        return f"{self.prefix}:reap:{self.bot_id}"
