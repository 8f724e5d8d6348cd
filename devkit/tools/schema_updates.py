"""Random Telegram updates generated from a schema nobody on this project wrote: aiogram's models.

aiogram's types are generated (by its ``butcher`` tool) from the Bot API documentation, so their
pydantic fields are a machine-readable Bot API schema: every update type, every field with its
type, required or optional, unions and their discriminators. :class:`UpdateGenerator` walks
those fields and builds JSON documents of any update type, each optional field present with a
probability that falls with depth, recursive types (``RichText`` in ``rich_message``, replies)
cut off at a depth, so a document stays small and finite.

A few values are steered towards what Telegram actually sends, because the bot's routing depends
on them and a uniformly random string would never hit them: chat types come from the Bot API's
chat type enum (``private`` about half the time), message texts are sometimes commands, and ids
are positive and small enough to be chat ids. Everything else is as random as the schema allows.

Used by the fuzz tests (``tests/fuzz``) and for one-off updates of a given type in other tests.
"""

from __future__ import annotations

import datetime as dt
import enum
import random
import types
import typing
from collections.abc import Iterator
from typing import Any

from aiogram.client.default import Default
from aiogram.enums import ChatType
from aiogram.types import Update
from pydantic import BaseModel
from typing_extensions import TypeAliasType

__all__ = ["UPDATE_TYPES", "UpdateGenerator"]

UPDATE_TYPES: tuple[str, ...] = tuple(name for name in Update.model_fields if name != "update_id")
_COMMANDS = ("/start", "/help", "/cancel", "/create_request", "/my_requests", "/take_shift")
_WORDS = ("кран", "течёт", "salom", "uy", "45", "свет", "eshik", "🙂", "<b>", "&amp;")
_CHAT_TYPES = [t.value for t in ChatType]


class UpdateGenerator:
    """Seeded documents of any update type; ``optional`` is the chance of each optional field at
    the top level (halved at every level below), ``max_depth`` where recursion stops."""

    def __init__(
        self,
        seed: int,
        *,
        optional: float = 0.5,
        max_depth: int = 6,
        private_share: float = 0.5,
        user_ids: range = range(1_000, 1_000_000),
    ) -> None:
        self.rng = random.Random(seed)
        self.optional = optional
        self.max_depth = max_depth
        self.private_share = private_share
        self.user_ids = user_ids
        self._next_id = 1

    def updates(self, count: int, first_id: int = 1) -> Iterator[dict[str, Any]]:
        """``count`` updates of types chosen uniformly from every type aiogram knows."""
        for i in range(count):
            yield self.update(self.rng.choice(UPDATE_TYPES), first_id + i)

    def update(self, update_type: str, update_id: int) -> dict[str, Any]:
        annotation = Update.model_fields[update_type].annotation
        return {"update_id": update_id, update_type: self._value(_strip_none(annotation), 1, "")}

    # -- the walk ------------------------------------------------------------------------------

    def _model(self, cls: type[BaseModel], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        chance = self.optional / (2 ** (depth - 1))
        for name, field in cls.model_fields.items():
            annotation = field.annotation
            literal = typing.get_origin(annotation) is typing.Literal
            # A Literal field with a default is a union discriminator: always written.
            if not (field.is_required() or literal or self.rng.random() < chance):
                continue
            if depth >= self.max_depth and not (field.is_required() or literal):
                continue
            key = field.alias or name
            out[key] = self._value(annotation, depth, name, cls)
        return out

    def _value(self, tp: Any, depth: int, name: str, owner: type | None = None) -> Any:
        if isinstance(tp, TypeAliasType):
            tp = tp.__value__
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            return self._value(typing.get_args(tp)[0], depth, name, owner)
        if origin in (typing.Union, types.UnionType):
            # aiogram's ``Default`` sentinel stands for "the bot's default" in outgoing objects.
            members = [m for m in typing.get_args(tp) if m is not type(None) and m is not Default]
            if depth >= self.max_depth:
                # Past the depth limit, prefer members that end the recursion.
                leaves = [m for m in members if _is_leaf(m)]
                members = leaves or members
            return self._value(self.rng.choice(members), depth, name, owner)
        if origin is typing.Literal:
            value = self.rng.choice(typing.get_args(tp))
            return value.value if isinstance(value, enum.Enum) else value
        if origin is list:
            (item,) = typing.get_args(tp)
            size = self.rng.randint(0, 3) if depth < self.max_depth else self.rng.randint(0, 1)
            return [self._value(item, depth + 1, name, owner) for _ in range(size)]
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return self._model(tp, depth + 1)
        if tp is Any:
            return {}
        return self._scalar(tp, name, owner)

    def _scalar(self, tp: Any, name: str, owner: type | None) -> Any:
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            return self.rng.choice(list(tp)).value
        if tp is bool:
            return self.rng.random() < 0.5
        if tp is int:
            return self._int(name)
        if tp is float:
            return round(self.rng.uniform(-90, 90), 5)
        if tp is str:
            return self._str(name, owner)
        if isinstance(tp, type) and issubclass(tp, dt.datetime):
            return self.rng.randint(1_600_000_000, 1_900_000_000)
        raise TypeError(f"no generator for {tp!r} ({owner.__name__ if owner else ''}.{name})")

    def _int(self, name: str) -> int:
        if name in ("id", "user_id", "chat_id"):
            return self.rng.choice(self.user_ids)
        if name.endswith("_id") or name in ("message_id", "update_id"):
            self._next_id += 1
            return self._next_id
        return self.rng.randint(0, 10_000)

    def _str(self, name: str, owner: type | None) -> str:
        if name == "type" and owner is not None and owner.__name__ in ("Chat", "ChatFullInfo"):
            if self.rng.random() < self.private_share:
                return ChatType.PRIVATE.value
            return self.rng.choice(_CHAT_TYPES)
        if name in ("text", "data", "caption", "query") and self.rng.random() < 0.3:
            return self.rng.choice(_COMMANDS)
        count = self.rng.randint(1, 4)
        return " ".join(self.rng.choice(_WORDS) for _ in range(count))


def _strip_none(tp: Any) -> Any:
    members = [m for m in typing.get_args(tp) if m is not type(None)]
    return members[0] if len(members) == 1 else tp


def _is_leaf(tp: Any) -> bool:
    if isinstance(tp, TypeAliasType) or typing.get_origin(tp) in (list, typing.Annotated):
        return False
    return not (isinstance(tp, type) and issubclass(tp, BaseModel))
