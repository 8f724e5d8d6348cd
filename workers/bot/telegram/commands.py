"""The Telegram command menus, published once across all workers.

- Default scope: the commands anyone may see (no required role, or the applicant's) — once
  without a language (Russian, for clients in other languages) and once each for ``ru`` and
  ``uz``. Every worker calls :meth:`CommandMenus.publish_default` at start-up; a Redis lock makes
  them take turns, and a marker holding the digest of what was published makes every one after
  the first a no-op. A changed catalogue has a new digest and is published again.
- Staff chats: when a registered user whose active role sees a different menu (executor, manager,
  admin) writes in a private chat, that chat gets its own scope (``BotCommandScopeChat``) in the
  user's language. The digest per chat is kept in Redis (and in a small in-process cache), so
  this costs one call per chat and menu change, not one per update.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Final

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from redis.asyncio import Redis

from shared.logs import get_logger
from workers.bot.core.catalog import CommandCatalog, CommandSpec
from workers.bot.locales import DEFAULT_LOCALE, LOCALES

__all__ = ["CommandMenus", "menu_for_role"]

log = get_logger(__name__)
_LOCK_TIMEOUT: Final = 60.0
_CHAT_CACHE_SIZE: Final = 10_000


def menu_for_role(commands: dict[str, CommandSpec], role: str | None) -> list[CommandSpec]:
    """Enabled commands a user with ``role`` may use; ``None`` means the default menu."""
    visible = role or "applicant"
    return [c for c in commands.values() if c.is_enabled and c.allows_role(visible)]


def _bot_commands(specs: list[CommandSpec], locale: str) -> list[BotCommand]:
    return [BotCommand(command=s.command, description=s.description(locale)) for s in specs]


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


class CommandMenus:
    def __init__(self, redis: Redis, catalog: CommandCatalog, *, key_prefix: str, bot_id: int):
        self._redis = redis
        self._catalog = catalog
        self._prefix = f"{key_prefix}:commands:{bot_id}"
        self._chats: OrderedDict[int, str] = OrderedDict()
        self._menus_for: dict[str, CommandSpec] | None = None
        self._menus: dict[tuple[str | None, str], tuple[list[CommandSpec], bool, str]] = {}

    async def publish_default(self, bot: Bot) -> bool:
        """Publish the default menus unless this exact catalogue already was; True if sent now."""
        specs = menu_for_role(await self._catalog.get(), None)
        digest = _digest([(s.command, s.description_ru, s.description_uz) for s in specs])
        marker = f"{self._prefix}:default"
        if await self._redis.get(marker) == digest.encode():
            return False
        lock = self._redis.lock(
            f"{self._prefix}:lock", timeout=_LOCK_TIMEOUT, blocking_timeout=_LOCK_TIMEOUT
        )
        async with lock:
            # Another worker may have published while this one waited for the lock.
            if await self._redis.get(marker) == digest.encode():
                return False
            scope = BotCommandScopeDefault()
            await bot.set_my_commands(_bot_commands(specs, DEFAULT_LOCALE), scope=scope)
            for locale in LOCALES:
                await bot.set_my_commands(
                    _bot_commands(specs, locale), scope=scope, language_code=locale
                )
            await self._redis.set(marker, digest)
        log.info("command_menus_published", commands=len(specs))
        return True

    async def ensure_chat(self, bot: Bot, chat_id: int, role: str | None, locale: str) -> bool:
        """Give a private chat the menu of the user's active role; True if a call was made."""
        specs, own_scope, digest = self._menu(await self._catalog.get(), role, locale)
        if self._chats.get(chat_id) == digest:
            return False
        key = f"{self._prefix}:chat:{chat_id}"
        stored = await self._redis.get(key)
        # A chat with the default menu needs no scope of its own, unless it had one before.
        needs_call = stored != digest.encode() and (own_scope or stored is not None)
        if needs_call:
            scope = BotCommandScopeChat(chat_id=chat_id)
            if own_scope:
                await bot.set_my_commands(_bot_commands(specs, locale), scope=scope)
            else:
                await bot.delete_my_commands(scope=scope)
            await self._redis.set(key, digest)
            log.info("chat_command_menu_set", role=role, commands=len(specs) if own_scope else 0)
        self._remember(chat_id, digest)
        return needs_call

    def _menu(
        self, commands: dict[str, CommandSpec], role: str | None, locale: str
    ) -> tuple[list[CommandSpec], bool, str]:
        """The role's menu, whether it differs from the default, and its digest; computed once
        per catalogue copy, role and locale (this runs on every update of an approved user)."""
        if self._menus_for is not commands:
            self._menus_for, self._menus = commands, {}
        menu = self._menus.get((role, locale))
        if menu is None:
            specs = menu_for_role(commands, role)
            own_scope = specs != menu_for_role(commands, None)
            digest = _digest(locale, own_scope, [(s.command, s.description(locale)) for s in specs])
            menu = self._menus[(role, locale)] = (specs, own_scope, digest)
        return menu

    def _remember(self, chat_id: int, digest: str) -> None:
        self._chats[chat_id] = digest
        self._chats.move_to_end(chat_id)
        while len(self._chats) > _CHAT_CACHE_SIZE:
            self._chats.popitem(last=False)
