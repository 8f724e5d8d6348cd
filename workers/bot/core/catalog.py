"""The command catalogue (``bot_commands``), cached in the process and reloaded periodically.

Access control and the Telegram command menus both read it. A reload happens on first use after
``refresh_seconds``; while the database is unreachable the last good copy keeps serving, and a
process that never loaded one serves the shipped catalogue (:data:`DEFAULT_COMMANDS`, what the
migrations seed) and tries the database again every ``RETRY_SECONDS``: a worker started during a
database outage still answers /start and /help.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db.models import BotCommand
from shared.logs import get_logger

__all__ = ["DEFAULT_COMMANDS", "RETRY_SECONDS", "CommandCatalog", "CommandSpec"]

log = get_logger(__name__)

# Seconds between reload attempts while only the shipped catalogue is served.
RETRY_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class CommandSpec:
    command: str
    access: str  # anyone | registered | approved
    required_roles: tuple[str, ...]  # empty: any role
    description_ru: str
    description_uz: str
    is_enabled: bool
    sort_order: int

    def description(self, locale: str) -> str:
        return self.description_uz if locale == "uz" else self.description_ru

    def allows_role(self, role: str | None) -> bool:
        return not self.required_roles or (role is not None and role in self.required_roles)


def _default(
    position: int, command: str, access: str, roles: tuple[str, ...], ru: str, uz: str
) -> CommandSpec:
    return CommandSpec(command, access, roles, ru, uz, True, 10 * (position + 1))


# The shipped catalogue, exactly as migration 0002 seeds it (a test keeps the two in step).
DEFAULT_COMMANDS: tuple[CommandSpec, ...] = tuple(
    _default(i, *row)
    for i, row in enumerate(
        (
            ("start", "anyone", (), "Начать работу с ботом", "Bot bilan ishlashni boshlash"),
            ("help", "anyone", (), "Справка и список команд", "Yordam va buyruqlar ro'yxati"),
            ("menu", "registered", (), "Главное меню", "Asosiy menyu"),
            ("language", "anyone", (), "Сменить язык", "Tilni o'zgartirish"),
            ("cancel", "anyone", (), "Отменить текущее действие", "Joriy amalni bekor qilish"),
            ("create_request", "approved", ("applicant",), "Создать заявку", "Ariza yaratish"),
            (
                "my_requests",
                "approved",
                ("applicant", "executor"),
                "Мои заявки",
                "Mening arizalarim",
            ),
            (
                "request_status",
                "approved",
                (),
                "Статус заявки по номеру",
                "Ariza holati (raqami bo'yicha)",
            ),
            ("my_shifts", "approved", ("executor",), "Мои смены", "Mening smenalarim"),
            (
                "shift_schedule",
                "approved",
                ("executor", "manager", "admin"),
                "График смен",
                "Smenalar jadvali",
            ),
            ("take_shift", "approved", ("executor",), "Взять смену", "Smenani olish"),
            ("users", "approved", ("manager", "admin"), "Пользователи", "Foydalanuvchilar"),
            ("analytics", "approved", ("manager", "admin"), "Аналитика", "Analitika"),
            ("settings", "approved", ("admin",), "Настройки бота", "Bot sozlamalari"),
        )
    )
)


class CommandCatalog:
    def __init__(
        self, sessionmaker: async_sessionmaker[AsyncSession], *, refresh_seconds: float
    ) -> None:
        self._sessionmaker = sessionmaker
        self._refresh = refresh_seconds
        self._commands: dict[str, CommandSpec] | None = None
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()
        # True while the shipped catalogue stands in for one the database never gave.
        self.defaults = False

    async def get(self) -> dict[str, CommandSpec]:
        if self._commands is not None and time.monotonic() - self._loaded_at < self._refresh:
            return self._commands
        async with self._lock:
            if self._commands is None or time.monotonic() - self._loaded_at >= self._refresh:
                await self._reload()
        assert self._commands is not None
        return self._commands

    async def lookup(self, command: str) -> CommandSpec | None:
        return (await self.get()).get(command.lower())

    async def _reload(self) -> None:
        try:
            async with self._sessionmaker() as db:
                rows = (await db.scalars(select(BotCommand).order_by(BotCommand.sort_order))).all()
        except Exception as exc:
            if self._commands is None or self.defaults:
                # Never loaded: serve what the migrations ship, and ask again soon.
                log.warning("command_catalog_defaults", error=type(exc).__name__)
                self._commands = {spec.command: spec for spec in DEFAULT_COMMANDS}
                self.defaults = True
                self._loaded_at = (
                    time.monotonic() - self._refresh + min(RETRY_SECONDS, self._refresh)
                )
                return
            log.warning("command_catalog_reload_failed", exc_info=True)
            self._loaded_at = time.monotonic()  # try again after another interval
            return
        self.defaults = False
        self._commands = {
            row.command: CommandSpec(
                command=row.command,
                access=row.access,
                required_roles=tuple(row.required_roles or ()),
                description_ru=row.description_ru,
                description_uz=row.description_uz,
                is_enabled=row.is_enabled,
                sort_order=row.sort_order,
            )
            for row in rows
        }
        self._loaded_at = time.monotonic()

    def invalidate(self) -> None:
        self._loaded_at = 0.0
