"""What a notification in a chat lane carries, and the rules attached to each kind.

The event lane's handler writes one payload per recipient (:func:`encode`); the chat lane's handler
reads it back (:func:`decode`). The payload keeps the whole event, so rendering happens at delivery
time, in the recipient's language, after the recipient's earlier updates were handled.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

__all__ = [
    "BYPASS_QUIET",
    "FOLD_SECONDS",
    "FOLD_TOGETHER",
    "MUTABLE",
    "Notice",
    "Recipient",
    "decode",
    "encode",
    "is_notification",
]

# Kinds a user may mute with /notifications (domain.md §5: pool and digest messages).
MUTABLE: Final = frozenset({"executor.pool", "manager.new"})
# Kinds folded: at most one message per window per recipient, the rest summed up.
FOLD_SECONDS: Final = {"executor.pool": 60, "manager.new": 300}
# Kinds with no fold window of their own (a user waiting for approval should be seen soon) that
# still go out as one message when several are released together (after quiet hours): kind ->
# the group they fold into.
FOLD_TOGETHER: Final = {
    "manager.user_pending": "manager.pending",
    "manager.apartment_pending": "manager.pending",
}
# Kinds that go out during quiet hours too: what the user is waiting on right now.
BYPASS_QUIET: Final = frozenset(
    {"applicant.clarification", "user.approved", "user.blocked", "shift.starting"}
)


class Recipient(msgspec.Struct, frozen=True):
    id: int  # the user service's id
    tg: int  # telegram id = the private chat
    lang: str
    role: str | None = None  # the capacity the notice is addressed to (applicant, executor, …)
    roles: list[str] = []
    active_role: str | None = None


class Notice(msgspec.Struct, frozen=True):
    notification: int  # format version; also what tells a notification from an update
    kind: str
    key: str  # event id + recipient: at most one copy per chat
    to: Recipient | None = None  # None only for a folded batch (its items name the recipient)
    event: dict[str, Any] = {}
    urgent: bool = False
    extra: dict[str, Any] = {}
    # A folded batch (held notices released together): the notices themselves.
    items: list[Notice] = []

    @property
    def payload(self) -> dict[str, Any]:
        value: dict[str, Any] = self.event.get("payload") or {}
        return value

    @property
    def request(self) -> dict[str, Any]:
        value: dict[str, Any] = self.payload.get("request") or {}
        return value


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Notice)


def encode(notice: Notice) -> bytes:
    return _encoder.encode(notice)


def decode(raw: bytes) -> Notice:
    return _decoder.decode(raw)


def is_notification(update_id: int, ordering_key: str) -> bool:
    """Items of a chat lane with negative ids are notifications; ``ev*`` lanes hold events."""
    return update_id < 0 or ordering_key.startswith("ev")
